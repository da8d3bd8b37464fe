using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>
/// Proximal policy optimisation (Schulman et al., 2017) with separate tanh policy and value networks, as
/// Stable-Baselines3 builds them: rollouts of n_steps from one environment, GAE(λ) advantages normalised per
/// mini-batch, the clipped surrogate plus an entropy bonus for the policy, MSE for the value, Adam for both and
/// gradients clipped to a global norm of 0.5. Deterministic for a seed.
/// </summary>
public sealed class PpoLearner : IReinforcementLearner
{
    public const double MaxGradientNorm = 0.5;

    public string Algorithm => ReinforcementAlgorithms.Ppo;

    public LearningOutcome Learn(LearningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var h = HyperparameterValues.For(Algorithm, context.Hyperparameters);
        var totalTimesteps = h.GetLong("total_timesteps");
        var learningRate = h.GetDouble("learning_rate");
        var gamma = h.GetDouble("gamma");
        var lambda = h.GetDouble("gae_lambda");
        var clip = h.GetDouble("clip_range");
        var nSteps = (int)Math.Min(h.GetLong("n_steps"), totalTimesteps);
        var epochs = (int)h.GetLong("n_epochs");
        var batchSize = (int)Math.Min(h.GetLong("batch_size"), nSteps);
        var entropyCoefficient = h.GetDouble("ent_coef");
        var hidden = HyperparameterLists.GetIntList(Algorithm, context.Hyperparameters, "hidden_layers");

        var random = new Random(context.Seed);
        var env = context.CreateEnvironment(context.Seed);
        var (obsSize, actions) = (env.ObservationSize, env.ActionCount);
        var policy = NeuralNetwork.CreateMlp(obsSize, hidden, actions, Activation.Tanh, random);
        var value = NeuralNetwork.CreateMlp(obsSize, hidden, 1, Activation.Tanh, random);
        var policyOptimizer = new Adam(policy.Parameters, learningRate, epsilon: 1e-5);
        var valueOptimizer = new Adam(value.Parameters, learningRate, epsilon: 1e-5);

        var rolloutObs = new double[nSteps * obsSize];
        var rolloutActions = new int[nSteps];
        var oldLogp = new double[nSteps];
        var rewards = new double[nSteps];
        var terminated = new bool[nSteps];
        var ends = new bool[nSteps];
        var nextValues = new double[nSteps];
        var bootstrapObs = new List<(int Step, double[] Observation)>();
        var order = Enumerable.Range(0, nSteps).ToArray();
        var mbObs = new double[batchSize * obsSize];
        var mbActions = new int[batchSize];
        var mbWeights = new double[batchSize];
        var mbReturns = new double[batchSize];
        var logitGrad = new double[batchSize * actions];
        var valueGrad = new double[batchSize];
        var episodeRewards = new List<double>();
        var reporter = new ProgressReporter(Algorithm, context.Environment, totalTimesteps, context.Progress);

        var observation = env.Reset(context.Seed);
        var episodeReward = 0.0;
        long timesteps = 0;
        while (timesteps < totalTimesteps)
        {
            var steps = (int)Math.Min(nSteps, totalTimesteps - timesteps);
            bootstrapObs.Clear();
            for (var t = 0; t < steps; t++)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                observation.CopyTo(rolloutObs, t * obsSize);
                var (action, logp) = CategoricalPolicy.Sample(policy.Predict(observation, 1), random);
                var step = env.Step(action);
                rolloutActions[t] = action;
                oldLogp[t] = logp;
                rewards[t] = step.Reward;
                terminated[t] = step.Terminated;
                ends[t] = step.Done;
                episodeReward += step.Reward;
                observation = step.Observation;
                if (step.Done)
                {
                    episodeRewards.Add(episodeReward);
                    episodeReward = 0;
                    if (step.Truncated)
                    {
                        bootstrapObs.Add((t, step.Observation));
                    }

                    observation = env.Reset();
                }
            }

            timesteps += steps;
            var values = value.Predict(rolloutObs, steps);
            for (var t = 0; t < steps - 1; t++)
            {
                nextValues[t] = values[t + 1];
            }

            // A truncated episode, and the rollout's cut-off tail, bootstrap from the value of the state they stopped in.
            nextValues[steps - 1] = ends[steps - 1] ? 0.0 : value.Predict(observation, 1)[0];
            foreach (var (t, last) in bootstrapObs)
            {
                nextValues[t] = value.Predict(last, 1)[0];
            }

            var (advantages, returns) = GeneralizedAdvantageEstimation.Compute(
                rewards[..steps], values, nextValues[..steps], terminated[..steps], ends[..steps], gamma, lambda);

            for (var epoch = 0; epoch < epochs; epoch++)
            {
                Shuffle(order, steps, random);
                for (var start = 0; start < steps; start += batchSize)
                {
                    var size = Math.Min(batchSize, steps - start);
                    Update(start, size);
                }
            }

            reporter.Report(timesteps, episodeRewards);

            void Update(int start, int size)
            {
                var mean = 0.0;
                for (var i = 0; i < size; i++)
                {
                    mean += advantages[order[start + i]];
                }

                mean /= size;
                var variance = 0.0;
                for (var i = 0; i < size; i++)
                {
                    var d = advantages[order[start + i]] - mean;
                    variance += d * d;
                }

                var std = size > 1 ? Math.Sqrt(variance / (size - 1)) : 1.0;
                for (var i = 0; i < size; i++)
                {
                    var k = order[start + i];
                    Array.Copy(rolloutObs, k * obsSize, mbObs, i * obsSize, obsSize);
                    mbActions[i] = rolloutActions[k];
                    mbReturns[i] = returns[k];
                }

                var logits = policy.Forward(mbObs, size);
                var newLogp = CategoricalPolicy.LogProbabilities(logits, actions, mbActions.AsSpan(0, size));
                for (var i = 0; i < size; i++)
                {
                    var k = order[start + i];
                    var advantage = (advantages[k] - mean) / (std + 1e-8);
                    var ratio = Math.Exp(newLogp[i] - oldLogp[k]);

                    // min(r·A, clip(r)·A) follows r·A unless the ratio has left the trust region in A's favour.
                    var flat = (advantage >= 0 && ratio > 1 + clip) || (advantage < 0 && ratio < 1 - clip);
                    mbWeights[i] = flat ? 0.0 : ratio * advantage;
                }

                CategoricalPolicy.Gradient(logits, actions, mbActions.AsSpan(0, size), mbWeights.AsSpan(0, size), entropyCoefficient, logitGrad);
                policy.ZeroGrad();
                policy.Backward(logitGrad, size);
                policy.ClipGradientNorm(MaxGradientNorm);
                policyOptimizer.Step();

                var predicted = value.Forward(mbObs, size);
                MeanSquaredError.Compute(predicted.AsSpan(0, size), mbReturns.AsSpan(0, size), valueGrad);
                value.ZeroGrad();
                value.Backward(valueGrad, size);
                value.ClipGradientNorm(MaxGradientNorm);
                valueOptimizer.Step();
            }
        }

        return new LearningOutcome(policy, PolicyOutput.Logits, episodeRewards, timesteps);
    }

    private static void Shuffle(int[] order, int count, Random random)
    {
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
