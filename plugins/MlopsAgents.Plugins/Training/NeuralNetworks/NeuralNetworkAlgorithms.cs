using MlopsAgents.Plugins.Requests;

namespace MlopsAgents.Plugins.Training.NeuralNetworks;

/// <summary>Catalog entries of the neural-network family.</summary>
public static class NeuralNetworkAlgorithms
{
    public const string NeuralNetwork = "neural_network";

    public static readonly IReadOnlyList<AlgorithmSpec> Specs =
    [
        new(NeuralNetwork, [TaskTypes.Classification, TaskTypes.Regression],
            "Multilayer perceptron (dense layers, ReLU or tanh, softmax or linear output) trained by Adam on mini-batches with early stopping on the validation split, implemented in this project on System.Numerics.Tensors.",
            [
                new("hidden_layers", HyperparameterType.IntList, "Sizes of the hidden layers, e.g. [64, 32].", new long[] { 100 }, Min: 1, Max: 4096),
                new("activation", HyperparameterType.Categorical, "Hidden-layer activation.", "relu", Values: ["relu", "tanh"]),
                new("learning_rate", HyperparameterType.Float, "Adam step size.", 0.001, Min: 0, Max: 1, MinExclusive: true, Aliases: ["learning_rate_init"]),
                new("batch_size", HyperparameterType.Int, "Rows per mini-batch.", 32L, Min: 1, Max: 65536),
                new("max_epochs", HyperparameterType.Int, "Maximum passes over the training split.", 200L, Min: 1, Max: 100000, Aliases: ["max_iter"]),
                new("early_stopping_patience", HyperparameterType.Int, "Epochs without validation improvement before stopping.", 10L, Min: 1, Max: 10000),
                new("l2", HyperparameterType.Float, "L2 penalty on the weights (scikit-learn's alpha).", 0.0001, Min: 0, Max: 1e3, Aliases: ["alpha"]),
            ]),
    ];
}
