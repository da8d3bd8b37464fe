using MlopsAgents.Plugins.Registry;

namespace MlopsAgents.Plugins.Conversation;

/// <summary>The slash commands a person may write in an issue comment.</summary>
public enum CommentCommandKind
{
    Approve,
    Reject,
    Retrain,
    Rollback,
    Status,
}

/// <summary>One parsed slash command; <see cref="Version"/> is set only for <c>/rollback vX.Y.Z</c>.</summary>
public sealed record CommentCommand(CommentCommandKind Kind, SemanticVersion? Version = null, string? Reason = null)
{
    /// <summary>True for commands that change a model, a deployment or an execution; those need write permission.</summary>
    public bool ChangesState => Kind is not CommentCommandKind.Status;

    public override string ToString() => Kind switch
    {
        CommentCommandKind.Rollback when Version is { } v => $"/rollback v{v}",
        _ => "/" + Kind.ToString().ToLowerInvariant(),
    };
}

/// <summary>The outcome of reading a comment: no command, a command, or a command-shaped line with an error.</summary>
public sealed record CommentCommandParse(CommentCommand? Command, string? Error)
{
    public static readonly CommentCommandParse None = new(null, null);

    public bool IsCommand => Command is not null;

    public bool IsError => Error is not null;
}

/// <summary>
/// Deterministic parser for slash commands. The first non-blank line decides: a line that starts with '/'
/// is a command (or an error naming what is allowed); anything else is not a command. The rest of the
/// comment after the command line is kept as the reason (for /reject and /retrain).
/// </summary>
public static class CommentCommandParser
{
    public static readonly IReadOnlyList<string> Allowed = ["/approve", "/reject", "/retrain", "/rollback [vX.Y.Z]", "/status"];

    public static CommentCommandParse Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return CommentCommandParse.None;
        }

        var lines = body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var index = Array.FindIndex(lines, l => l.Trim().Length > 0);
        var first = lines[index].Trim();
        if (!first.StartsWith('/'))
        {
            return CommentCommandParse.None;
        }

        var words = first.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var name = words[0].ToLowerInvariant();
        var rest = string.Join('\n', lines.Skip(index + 1)).Trim();
        var inlineReason = words.Length > 1 ? string.Join(' ', words.Skip(1)) : null;
        string? Reason() => JoinReason(inlineReason, rest);

        switch (name)
        {
            case "/approve":
                return Ok(new CommentCommand(CommentCommandKind.Approve, Reason: Reason()));
            case "/reject":
                return Ok(new CommentCommand(CommentCommandKind.Reject, Reason: Reason()));
            case "/retrain":
                return Ok(new CommentCommand(CommentCommandKind.Retrain, Reason: Reason()));
            case "/status":
                return words.Length == 1
                    ? Ok(new CommentCommand(CommentCommandKind.Status))
                    : Error($"/status takes no argument, got '{inlineReason}'");
            case "/rollback":
                if (words.Length == 1)
                {
                    return Ok(new CommentCommand(CommentCommandKind.Rollback, Reason: NullIfEmpty(rest)));
                }

                if (words.Length == 2 && SemanticVersion.TryParse(words[1], out var version))
                {
                    return Ok(new CommentCommand(CommentCommandKind.Rollback, version, NullIfEmpty(rest)));
                }

                return Error($"/rollback: version '{inlineReason}' is not a semantic version; write /rollback v1.2.0, or /rollback alone for the previous version");
            default:
                return Error($"unknown command '{words[0]}'; allowed: {string.Join(", ", Allowed)}");
        }
    }

    private static CommentCommandParse Ok(CommentCommand command) => new(command, null);

    private static CommentCommandParse Error(string message) => new(null, message);

    private static string? JoinReason(string? inline, string rest) =>
        NullIfEmpty(string.Join('\n', new[] { inline, rest }.Where(s => !string.IsNullOrWhiteSpace(s))));

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
