using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>
/// Asynchronous advantage actor-critic (Mnih et al., 2016). Each of <c>workers</c> threads owns an environment and
/// local copies of a global policy and value network; it pulls the global weights, plays up to n_steps, computes
/// n-step returns (bootstrapped from its value unless the episode terminated), back-propagates the actor-critic loss
/// locally and pushes the gradients into the global networks, whose shared Adam optimizers step under the networks'
/// locks. Thread interleaving makes runs with more than one worker nondeterministic; with one worker it is
/// deterministic for a seed.
/// </summary>
public sealed class A3cLearner : IReinforcementLearner
{
    public const double MaxGradientNorm = 40.0;

    public string Algorithm => ReinforcementAlgorithms.A3c;

    public LearningOutcome Learn(LearningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var h = HyperparameterValues.For(Algorithm, context.Hyperparameters);
        var totalTimesteps = h.GetLong("total_timesteps");
        var workers = (int)h.GetLong("workers");
        var learningRate = h.GetDouble("learning_rate");
        var gamma = h.GetDouble("gamma");
        var nSteps = (int)h.GetLong("n_steps");
        var entropyCoefficient = h.GetDouble("ent_coef");
        var hidden = HyperparameterLists.GetIntList(Algorithm, context.Hyperparameters, "hidden_layers");

        var random = new Random(context.Seed);
        var probe = context.CreateEnvironment(context.Seed);
        var globalPolicy = NeuralNetwork.CreateMlp(probe.ObservationSize, hidden, probe.ActionCount, Activation.Tanh, random);
        var globalValue = NeuralNetwork.CreateMlp(probe.ObservationSize, hidden, 1, Activation.Tanh, random);
        var shared = new SharedState(
            globalPolicy, globalValue, new Adam(globalPolicy.Parameters, learningRate), new Adam(globalValue.Parameters, learningRate),
            totalTimesteps, new ProgressReporter(Algorithm, context.Environment, totalTimesteps, context.Progress));

        var errors = new List<Exception>();
        var threads = Enumerable.Range(0, workers).Select(w =>
        {
            var workerSeed = unchecked(context.Seed + 7919 * (w + 1));
            var thread = new Thread(() =>
            {
                try
                {
                    RunWorker(shared, context.CreateEnvironment(workerSeed), new Random(workerSeed), workerSeed, gamma, nSteps, entropyCoefficient, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    shared.Stop();
                }
                catch (Exception e)
                {
                    // An exception escaping a thread would kill the process; hand it to the caller instead.
                    lock (errors)
                    {
                        errors.Add(e);
                    }

                    shared.Stop();
                }
            })
            {
                IsBackground = true,
                Name = $"a3c-worker-{w}",
            };
            thread.Start();
            return thread;
        }).ToArray();

        foreach (var thread in threads)
        {
            thread.Join();
        }

        if (errors.Count > 0)
        {
            throw new AggregateException("An A3C worker failed.", errors);
        }

        context.CancellationToken.ThrowIfCancellationRequested();
        return new LearningOutcome(globalPolicy, PolicyOutput.Logits, shared.EpisodeRewards(), shared.Timesteps);
    }

    private static void RunWorker(
        SharedState shared, IEnvironment env, Random random, int seed, double gamma, int nSteps, double entropyCoefficient, CancellationToken ct)
    {
        var (obsSize, actions) = (env.ObservationSize, env.ActionCount);
        var policy = shared.Policy.Clone();
        var value = shared.Value.Clone();
        var obs = new double[nSteps * obsSize];
        var taken = new int[nSteps];
        var rewards = new double[nSteps];
        var returns = new double[nSteps];
        var weights = new double[nSteps];
        var logitGrad = new double[nSteps * actions];
        var valueGrad = new double[nSteps];

        var observation = env.Reset(seed);
        var episodeReward = 0.0;
        while (!shared.Stopped && shared.Timesteps < shared.TotalTimesteps)
        {
            ct.ThrowIfCancellationRequested();
            policy.CopyParametersFrom(shared.Policy);
            value.CopyParametersFrom(shared.Value);

            var count = 0;
            StepResult step = default;
            while (count < nSteps)
            {
                observation.CopyTo(obs, count * obsSize);
                var (action, _) = CategoricalPolicy.Sample(policy.Predict(observation, 1), random);
                step = env.Step(action);
                taken[count] = action;
                rewards[count] = step.Reward;
                count++;
                episodeReward += step.Reward;
                observation = step.Observation;
                if (step.Done)
                {
                    break;
                }
            }

            shared.AddTimesteps(count);
            var bootstrap = step.Terminated ? 0.0 : value.Predict(observation, 1)[0];
            if (step.Done)
            {
                shared.AddEpisode(episodeReward);
                episodeReward = 0;
                observation = env.Reset();
            }

            for (var t = count - 1; t >= 0; t--)
            {
                bootstrap = rewards[t] + gamma * bootstrap;
                returns[t] = bootstrap;
            }

            var predicted = value.Forward(obs, count);
            for (var t = 0; t < count; t++)
            {
                weights[t] = returns[t] - predicted[t];
            }

            MeanSquaredError.Compute(predicted.AsSpan(0, count), returns.AsSpan(0, count), valueGrad);
            value.ZeroGrad();
            value.Backward(valueGrad, count);

            var logits = policy.Forward(obs, count);
            CategoricalPolicy.Gradient(logits, actions, taken.AsSpan(0, count), weights.AsSpan(0, count), entropyCoefficient, logitGrad);
            policy.ZeroGrad();
            policy.Backward(logitGrad, count);

            shared.Value.ApplyGradientsFrom(value, shared.ValueOptimizer, MaxGradientNorm);
            shared.Policy.ApplyGradientsFrom(policy, shared.PolicyOptimizer, MaxGradientNorm);
            shared.ReportProgress();
        }
    }

    /// <summary>State the workers share: the global networks and optimizers, the step count and the training curve.</summary>
    private sealed class SharedState(
        NeuralNetwork policy, NeuralNetwork value, IOptimizer policyOptimizer, IOptimizer valueOptimizer, long totalTimesteps, ProgressReporter reporter)
    {
        private readonly List<double> _episodeRewards = [];
        private long _timesteps;
        private volatile bool _stopped;

        public NeuralNetwork Policy => policy;
        public NeuralNetwork Value => value;
        public IOptimizer PolicyOptimizer => policyOptimizer;
        public IOptimizer ValueOptimizer => valueOptimizer;
        public long TotalTimesteps => totalTimesteps;
        public long Timesteps => Interlocked.Read(ref _timesteps);
        public bool Stopped => _stopped;

        public void Stop() => _stopped = true;

        public void AddTimesteps(int count) => Interlocked.Add(ref _timesteps, count);

        public void AddEpisode(double reward)
        {
            lock (_episodeRewards)
            {
                _episodeRewards.Add(reward);
            }
        }

        public IReadOnlyList<double> EpisodeRewards()
        {
            lock (_episodeRewards)
            {
                return _episodeRewards.ToArray();
            }
        }

        public void ReportProgress()
        {
            lock (_episodeRewards)
            {
                reporter.Report(Timesteps, _episodeRewards);
            }
        }
    }
}
