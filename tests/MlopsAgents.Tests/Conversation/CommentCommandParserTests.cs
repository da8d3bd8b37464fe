using MlopsAgents.Plugins.Conversation;
using MlopsAgents.Plugins.Registry;

namespace MlopsAgents.Tests.Conversation;

public sealed class CommentCommandParserTests
{
    [Theory]
    [InlineData("/approve", CommentCommandKind.Approve)]
    [InlineData("  /APPROVE  \nlooks good", CommentCommandKind.Approve)]
    [InlineData("/reject too slow", CommentCommandKind.Reject)]
    [InlineData("/retrain", CommentCommandKind.Retrain)]
    [InlineData("/status", CommentCommandKind.Status)]
    [InlineData("\n\n/rollback", CommentCommandKind.Rollback)]
    public void Parse_KnownCommand_ReturnsKind(string body, CommentCommandKind kind)
    {
        var parsed = CommentCommandParser.Parse(body);

        Assert.True(parsed.IsCommand);
        Assert.Equal(kind, parsed.Command!.Kind);
    }

    [Fact]
    public void Parse_RollbackWithVersion_KeepsVersion()
    {
        var parsed = CommentCommandParser.Parse("/rollback v1.1.0\nrecall dropped");

        Assert.Equal(new SemanticVersion(1, 1, 0), parsed.Command!.Version);
        Assert.Equal("recall dropped", parsed.Command.Reason);
        Assert.Equal("/rollback v1.1.0", parsed.Command.ToString());
    }

    [Fact]
    public void Parse_RejectWithReason_JoinsInlineAndBody()
    {
        var parsed = CommentCommandParser.Parse("/reject too slow\nand too big");

        Assert.Equal("too slow\nand too big", parsed.Command!.Reason);
        Assert.True(parsed.Command.ChangesState);
    }

    [Theory]
    [InlineData("why did recall drop against v1.1.0?")]
    [InlineData("")]
    [InlineData("please /approve this")]
    public void Parse_NotACommand_ReturnsNone(string body)
    {
        var parsed = CommentCommandParser.Parse(body);

        Assert.False(parsed.IsCommand);
        Assert.False(parsed.IsError);
    }

    [Theory]
    [InlineData("/deploy now", "unknown command '/deploy'")]
    [InlineData("/rollback latest", "version 'latest' is not a semantic version")]
    [InlineData("/status please", "/status takes no argument")]
    public void Parse_BadCommand_ReturnsErrorNamingTheProblem(string body, string expected)
    {
        var parsed = CommentCommandParser.Parse(body);

        Assert.True(parsed.IsError);
        Assert.Contains(expected, parsed.Error, StringComparison.Ordinal);
        Assert.False(parsed.IsCommand);
    }

    [Fact]
    public void Status_DoesNotChangeState()
    {
        Assert.False(CommentCommandParser.Parse("/status").Command!.ChangesState);
    }
}
