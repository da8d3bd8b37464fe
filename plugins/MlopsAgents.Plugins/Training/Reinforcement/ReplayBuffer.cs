namespace MlopsAgents.Plugins.Training.Reinforcement;

/// <summary>One stored transition. <paramref name="Terminated"/> (not truncation) is what stops bootstrapping.</summary>
public sealed record Transition(double[] Observation, int Action, double Reward, double[] NextObservation, bool Terminated);

/// <summary>A fixed-capacity ring buffer of transitions; once full, each new transition overwrites the oldest.</summary>
public sealed class ReplayBuffer
{
    private readonly Transition[] _items;
    private int _next;

    public ReplayBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new Transition[capacity];
    }

    public int Capacity => _items.Length;

    public int Count { get; private set; }

    public void Add(Transition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        _items[_next] = transition;
        _next = (_next + 1) % _items.Length;
        Count = Math.Min(Count + 1, _items.Length);
    }

    /// <summary>The transition at <paramref name="index"/>, counted from the oldest one still held.</summary>
    public Transition this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var oldest = Count < _items.Length ? 0 : _next;
            return _items[(oldest + index) % _items.Length];
        }
    }

    /// <summary>Draws <paramref name="batchSize"/> transitions uniformly with replacement.</summary>
    public Transition[] Sample(int batchSize, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentNullException.ThrowIfNull(random);
        if (Count == 0)
        {
            throw new InvalidOperationException("Cannot sample from an empty replay buffer.");
        }

        var batch = new Transition[batchSize];
        for (var i = 0; i < batchSize; i++)
        {
            batch[i] = _items[random.Next(Count)];
        }

        return batch;
    }
}
