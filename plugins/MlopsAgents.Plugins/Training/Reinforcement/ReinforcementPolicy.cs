using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Training.NeuralNetworks;

namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>What a policy network outputs: Q-values (DQN) or action logits (PPO, A3C). Either way greedy play takes the argmax.</summary>
public enum PolicyOutput
{
    QValues,
    Logits,
}

/// <summary>
/// A trained policy: one network from observations to per-action scores, acted on greedily. Saved as two files in a
/// directory: <c>policy.json</c> (format, algorithm, environment, sizes) and <c>network.json</c> (the network's own JSON).
/// </summary>
public sealed class ReinforcementPolicy
{
    public const string Format = "mlops-agents/rl-policy";
    public const int FormatVersion = 1;
    public const string ManifestFileName = "policy.json";
    public const string NetworkFileName = "network.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public ReinforcementPolicy(string algorithm, string environment, PolicyOutput output, NeuralNetwork network)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(algorithm);
        ArgumentException.ThrowIfNullOrWhiteSpace(environment);
        ArgumentNullException.ThrowIfNull(network);
        Algorithm = algorithm;
        Environment = environment;
        Output = output;
        Network = network;
    }

    public string Algorithm { get; }

    public string Environment { get; }

    public PolicyOutput Output { get; }

    public NeuralNetwork Network { get; }

    public int ObservationSize => Network.InputSize;

    public int ActionCount => Network.OutputSize;

    /// <summary>The greedy action: the argmax of the network's output. Thread-safe.</summary>
    public int Act(double[] observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (observation.Length != ObservationSize)
        {
            throw new ArgumentException($"The policy expects {ObservationSize} observation values; got {observation.Length}.", nameof(observation));
        }

        return CategoricalPolicy.Argmax(Network.Predict(observation, 1));
    }

    /// <summary>Writes policy.json and network.json into <paramref name="directory"/>, creating it when needed.</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        Network.Save(Path.Combine(directory, NetworkFileName));
        var manifest = new PolicyManifest(Format, FormatVersion, Algorithm, Environment, Output, ObservationSize, ActionCount, NetworkFileName);
        File.WriteAllText(Path.Combine(directory, ManifestFileName), JsonSerializer.Serialize(manifest, Json));
    }

    /// <summary>Reads a policy written by <see cref="Save"/>; a missing or inconsistent file raises <see cref="InvalidDataException"/>.</summary>
    public static ReinforcementPolicy Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var manifestPath = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            throw new InvalidDataException($"No {ManifestFileName} in '{directory}'; it is not a saved reinforcement-learning policy.");
        }

        var manifest = JsonSerializer.Deserialize<PolicyManifest>(File.ReadAllText(manifestPath), Json)
            ?? throw new InvalidDataException($"{manifestPath} is empty.");
        if (manifest.Format != Format || manifest.Version != FormatVersion)
        {
            throw new InvalidDataException($"{manifestPath} has format '{manifest.Format}' version {manifest.Version}; expected '{Format}' version {FormatVersion}.");
        }

        var networkFile = Path.GetFileName(manifest.Network ?? NetworkFileName);
        var network = NeuralNetwork.Load(Path.Combine(directory, networkFile));
        if (network.InputSize != manifest.ObservationSize || network.OutputSize != manifest.ActionCount)
        {
            throw new InvalidDataException(
                $"{networkFile} maps {network.InputSize} inputs to {network.OutputSize} outputs, but {ManifestFileName} declares {manifest.ObservationSize} and {manifest.ActionCount}.");
        }

        return new ReinforcementPolicy(manifest.Algorithm, manifest.Environment, manifest.Output, network);
    }

    private sealed record PolicyManifest(
        string Format, int Version, string Algorithm, string Environment, PolicyOutput Output, int ObservationSize, int ActionCount, string? Network);
}
