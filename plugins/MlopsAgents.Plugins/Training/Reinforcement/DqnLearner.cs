using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>
/// Deep Q-learning (Mnih et al., 2015) with double-DQN targets (van Hasselt et al., 2016): ε-greedy acting with ε decaying linearly, a replay buffer, a target network
/// copied every target_update_interval steps, Huber loss on the taken action's Q-value, Adam, and one gradient step
/// per environment step once the buffer holds enough transitions. The learning rate decays linearly to 5% of
/// learning_rate over the run: with a constant rate, CartPole Q-networks that have solved the task often collapse
/// again late in training. For the same reason the learner returns the best of its checkpoints rather than the last
/// network: every twentieth of the budget it plays <see cref="CheckpointEpisodes"/> greedy episodes on a separate
/// environment (seeds disjoint from the trainer's final evaluation) and keeps the network with the highest mean,
/// the later one on ties. Deterministic for a seed.
/// </summary>
public sealed class DqnLearner : IReinforcementLearner
{
    /// <summary>Random steps collected before learning starts (capped at a tenth of the budget for short runs).</summary>
    public const int LearningStarts = 1000;

    /// <summary>Gradients are clipped to this global norm, as Stable-Baselines3 does for DQN.</summary>
    public const double MaxGradientNorm = 10.0;

    /// <summary>Greedy episodes played at each checkpoint.</summary>
    public const int CheckpointEpisodes = 10;

    /// <summary>Offset of the checkpoint environment's seed from the training seed.</summary>
    public const int CheckpointSeedOffset = 500_009;

    public string Algorithm => ReinforcementAlgorithms.Dqn;

    public LearningOutcome Learn(LearningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var h = HyperparameterValues.For(Algorithm, context.Hyperparameters);
        var totalTimesteps = h.GetLong("total_timesteps");
        var learningRate = h.GetDouble("learning_rate");
        var gamma = h.GetDouble("gamma");
        var bufferSize = (int)h.GetLong("buffer_size");
        var batchSize = (int)h.GetLong("batch_size");
        var targetUpdateInterval = h.GetLong("target_update_interval");
        var epsilonStart = h.GetDouble("epsilon_start");
        var epsilonEnd = h.GetDouble("epsilon_end");
        var epsilonDecaySteps = h.GetLong("epsilon_decay_steps");
        var hidden = HyperparameterLists.GetIntList(Algorithm, context.Hyperparameters, "hidden_layers");

        var random = new Random(context.Seed);
        var env = context.CreateEnvironment(context.Seed);
        var (obsSize, actions) = (env.ObservationSize, env.ActionCount);
        var q = NeuralNetwork.CreateMlp(obsSize, hidden, actions, Activation.ReLU, random);
        var target = q.Clone();
        var optimizer = new Adam(q.Parameters, learningRate);
        var buffer = new ReplayBuffer(bufferSize);
        var learningStarts = Math.Max(batchSize, Math.Min(LearningStarts, totalTimesteps / 10));

        var batchObs = new double[batchSize * obsSize];
        var batchNext = new double[batchSize * obsSize];
        var selected = new double[batchSize];
        var targets = new double[batchSize];
        var huberGrad = new double[batchSize];
        var outputGrad = new double[batchSize * actions];
        var episodeRewards = new List<double>();
        var reporter = new ProgressReporter(Algorithm, context.Environment, totalTimesteps, context.Progress);

        var checkpointEnv = context.CreateEnvironment(unchecked(context.Seed + CheckpointSeedOffset));
        var checkpointInterval = Math.Max(1, totalTimesteps / 20);
        NeuralNetwork? best = null;
        var bestScore = double.NegativeInfinity;

        var observation = env.Reset(context.Seed);
        var episodeReward = 0.0;
        for (long t = 0; t < totalTimesteps; t++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var fraction = Math.Min(1.0, (double)t / epsilonDecaySteps);
            var epsilon = epsilonStart + fraction * (epsilonEnd - epsilonStart);
            var action = random.NextDouble() < epsilon
                ? random.Next(actions)
                : CategoricalPolicy.Argmax(q.Predict(observation, 1));

            var step = env.Step(action);
            buffer.Add(new Transition(observation, action, step.Reward, step.Observation, step.Terminated));
            episodeReward += step.Reward;
            observation = step.Observation;
            if (step.Done)
            {
                episodeRewards.Add(episodeReward);
                episodeReward = 0;
                observation = env.Reset();
            }

            if (t + 1 >= learningStarts)
            {
                optimizer.LearningRate = learningRate * Math.Max(0.05, 1.0 - (double)t / totalTimesteps);
                var batch = buffer.Sample(batchSize, random);
                for (var i = 0; i < batchSize; i++)
                {
                    batch[i].Observation.CopyTo(batchObs, i * obsSize);
                    batch[i].NextObservation.CopyTo(batchNext, i * obsSize);
                }

                // Double DQN: the online network picks the next action and the target network values it, which
                // curbs the max-operator's overestimation that otherwise makes CartPole Q-values run away.
                var nextTarget = target.Predict(batchNext, batchSize);
                var nextOnline = q.Predict(batchNext, batchSize);
                var predicted = q.Forward(batchObs, batchSize);
                for (var i = 0; i < batchSize; i++)
                {
                    var nextAction = CategoricalPolicy.Argmax(nextOnline.AsSpan(i * actions, actions));
                    targets[i] = batch[i].Reward + (batch[i].Terminated ? 0.0 : gamma * nextTarget[i * actions + nextAction]);
                    selected[i] = predicted[i * actions + batch[i].Action];
                }

                HuberLoss.Compute(selected, targets, 1.0, huberGrad);
                Array.Clear(outputGrad);
                for (var i = 0; i < batchSize; i++)
                {
                    outputGrad[i * actions + batch[i].Action] = huberGrad[i];
                }

                q.ZeroGrad();
                q.Backward(outputGrad, batchSize);
                q.ClipGradientNorm(MaxGradientNorm);
                optimizer.Step();
            }

            if ((t + 1) % targetUpdateInterval == 0)
            {
                target.CopyParametersFrom(q);
            }

            if ((t + 1) % checkpointInterval == 0 || t + 1 == totalTimesteps)
            {
                var score = PolicyEvaluator.Evaluate(
                    o => CategoricalPolicy.Argmax(q.Predict(o, 1)), checkpointEnv, CheckpointEpisodes,
                    unchecked(context.Seed + CheckpointSeedOffset), context.CancellationToken).AverageReward;
                if (score >= bestScore)
                {
                    bestScore = score;
                    best = q.Clone();
                }
            }

            reporter.Report(t + 1, episodeRewards);
        }

        return new LearningOutcome(best ?? q, PolicyOutput.QValues, episodeRewards, totalTimesteps);
    }
}
