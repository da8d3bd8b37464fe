using System.Text.Json.Nodes;

namespace MlopsAgents.Aws.Tests.Lambda;

/// <summary>
/// The shipped definition retries the forwarder's Mlops.TaskInProgress before anything else, long enough for the
/// state's TimeoutSeconds, so a Task longer than a Lambda can wait re-joins the server's run until it ends.
/// </summary>
public sealed class TaskInProgressRetryTests
{
    private const string TaskInProgress = "Mlops.TaskInProgress";

    private static JsonObject States() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "statemachine", "mlops-training.asl.json")))!["States"]!.AsObject();

    /// <summary>Task states whose Lambda (the task forwarder) waits for its tool's answer: every Task but the token hand-offs.</summary>
    private static List<string> ForwardedTaskNames() =>
        [.. States().Where(s => s.Value!["Type"]!.GetValue<string>() == "Task" && s.Value["Resource"]!.GetValue<string>().Contains(":function:mlops-", StringComparison.Ordinal)).Select(s => s.Key)];

    public static TheoryData<string> ForwardedTasks() => [.. ForwardedTaskNames()];

    [Fact]
    public void ForwardedTasks_AreEveryTaskButTheTwoTokenWaits()
    {
        var tasks = States().Where(s => s.Value!["Type"]!.GetValue<string>() == "Task").Select(s => s.Key).ToList();

        Assert.Equal(13, ForwardedTaskNames().Count);
        Assert.Equal(["WaitForOperatorInput", "WaitForOptimizationApproval"], tasks.Except(ForwardedTaskNames()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ForwardedTasks))]
    public void ForwardedTask_FirstRetrier_RetriesTaskInProgressForTheWholeTimeoutSeconds(string name)
    {
        var state = States()[name]!;
        var retry = state["Retry"]!.AsArray();
        var first = retry[0]!;

        Assert.Equal([TaskInProgress], first["ErrorEquals"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(5, first["IntervalSeconds"]!.GetValue<int>());
        Assert.Equal(1.0, first["BackoffRate"]!.GetValue<double>());
        var timeout = state["TimeoutSeconds"]!.GetValue<int>();
        Assert.True(first["MaxAttempts"]!.GetValue<int>() * 5 >= timeout, $"{name}: {first["MaxAttempts"]} attempts × 5 s < TimeoutSeconds {timeout}");

        // The rest keep their meaning: tool errors and timeouts are still retried three times, then caught.
        Assert.Equal(2, retry.Count);
        Assert.Equal(["States.TaskFailed", "States.Timeout"], retry[1]!["ErrorEquals"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(3, retry[1]!["MaxAttempts"]!.GetValue<int>());
        Assert.Equal("States.ALL", Assert.Single(state["Catch"]!.AsArray())!["ErrorEquals"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("WaitForOptimizationApproval")]
    [InlineData("WaitForOperatorInput")]
    public void TokenWait_HasNoTaskInProgressRetrier(string name)
    {
        // Its call only hands the token over; a retry brings a new token and a new key, so there is no run to re-join.
        var retry = States()[name]!["Retry"]!.AsArray();

        Assert.DoesNotContain(retry, r => r!["ErrorEquals"]!.AsArray().Any(e => e!.GetValue<string>() == TaskInProgress));
    }
}
