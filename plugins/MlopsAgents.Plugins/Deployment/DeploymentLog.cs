using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Plugins.Deployment;

/// <summary>One traffic shift, switch or rollback of any strategy, with the routing after it and why.</summary>
public sealed record DeploymentEvent(
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("strategy")] string Strategy,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("weights")] IReadOnlyList<VersionWeight> Weights,
    [property: JsonPropertyName("reason")] string Reason)
{
    /// <summary>One line for the issue and the console, e.g. <c>… iris canary promote (1.0.0=50, 2.0.0=50): …</c>.</summary>
    public override string ToString()
    {
        var weights = string.Join(", ", Weights.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Version}={w.Weight}")));
        return string.Create(CultureInfo.InvariantCulture, $"{Time:O} {Model} {Strategy} {Action} ({weights}): {Reason}");
    }

    /// <summary>The event for a canary controller's log entry.</summary>
    public static DeploymentEvent FromCanary(DeploymentLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new DeploymentEvent(entry.Time, entry.Model, "canary", entry.Action.ToString().ToLowerInvariant(), entry.Weights, entry.Reason);
    }
}

/// <summary>Posts deployment events somewhere people read them (the issue that asked for the model, a chat).</summary>
public interface IDeploymentNotifier
{
    Task NotifyAsync(DeploymentEvent deploymentEvent, CancellationToken cancellationToken);
}

/// <summary>
/// The deployment log: every shift and rollback in order, kept in memory for the dashboard, rewritten atomically as
/// JSON lines to a file when one is given, and handed to the notifier when there is one.
/// </summary>
public sealed class DeploymentLog(string? path = null, IDeploymentNotifier? notifier = null)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
    private readonly List<DeploymentEvent> _events = [];
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Every event so far, oldest first.</summary>
    public IReadOnlyList<DeploymentEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Appends an event, persists the log and notifies.</summary>
    public async Task RecordAsync(DeploymentEvent deploymentEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deploymentEvent);
        IReadOnlyList<DeploymentEvent> snapshot;
        lock (_events)
        {
            _events.Add(deploymentEvent);
            snapshot = [.. _events];
        }

        if (path is not null)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var text = new StringBuilder();
                foreach (var e in snapshot)
                {
                    text.Append(JsonSerializer.Serialize(e, JsonOptions)).Append('\n');
                }

                await AtomicFile.WriteAllTextAsync(path, text.ToString(), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        if (notifier is not null)
        {
            await notifier.NotifyAsync(deploymentEvent, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a log file written by <see cref="RecordAsync"/>; an absent file is an empty log.</summary>
    public static IReadOnlyList<DeploymentEvent> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<DeploymentEvent>(l, JsonOptions)!)];
    }
}
