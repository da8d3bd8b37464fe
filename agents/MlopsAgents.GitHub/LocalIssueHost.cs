using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.GitHub;

/// <summary>
/// The issue source of the embedded default: issues, an append-only comment log and labels as files under
/// MLOPS_HOME/issues, so the issue flow (proposal, approval, progress, results) runs with no GitHub at all.
/// The local operator is the repository's admin; nobody else has a permission.
/// </summary>
public sealed class LocalIssueHost : IIssueHost
{
    /// <summary>The repository name local issues belong to.</summary>
    public const string Repository = "local/issues";

    /// <summary>The author of the flow's own comments.</summary>
    public const string BotName = "mlops-bot";

    private readonly string _root;
    private readonly string _historyRoot;
    private readonly string _operator;
    private readonly Lock _gate = new();

    // The log is for people too: emoji and quotes stay readable instead of \u escapes.
    private static readonly JsonSerializerOptions LogJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public LocalIssueHost(MlopsHome home, string? localOperator = null)
    {
        ArgumentNullException.ThrowIfNull(home);
        _root = Path.Combine(home.Root, "issues");
        _historyRoot = home.Root;
        _operator = localOperator ?? LocalOperator;
        Directory.CreateDirectory(_root);
    }

    /// <summary>Who approves from this machine: the OS user name.</summary>
    public static string LocalOperator => string.IsNullOrWhiteSpace(Environment.UserName) ? "local" : Environment.UserName;

    /// <summary>Files a new issue from a Markdown body; returns it.</summary>
    public async Task<IssueRef> CreateIssueAsync(string title, string body, CancellationToken cancellationToken)
    {
        int number;
        lock (_gate)
        {
            number = Directory.GetDirectories(_root).Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).DefaultIfEmpty(0).Max() + 1;
            Directory.CreateDirectory(IssueDirectory(number));
        }

        await AtomicFile.WriteAllTextAsync(Path.Combine(IssueDirectory(number), "issue.md"), $"# {title}\n\n{body}", cancellationToken).ConfigureAwait(false);
        return new IssueRef(Repository, number);
    }

    /// <summary>The issue's comments as they read now (edits applied), oldest first.</summary>
    public IReadOnlyList<LocalComment> ReadComments(IssueRef issue)
    {
        var path = CommentLog(issue.Number);
        if (!File.Exists(path))
        {
            return [];
        }

        var comments = new Dictionary<long, LocalComment>();
        foreach (var line in File.ReadLines(path).Where(l => l.Length > 0))
        {
            var entry = JsonNode.Parse(line)!;
            var id = entry["id"]!.GetValue<long>();
            var body = entry["body"]!.GetValue<string>();
            comments[id] = comments.TryGetValue(id, out var earlier)
                ? earlier with { Body = body, Edits = earlier.Edits + 1 }
                : new LocalComment(id, entry["author"]!.GetValue<string>(), body, 0);
        }

        return [.. comments.Values.OrderBy(c => c.Id)];
    }

    /// <summary>The issue's labels.</summary>
    public IReadOnlyList<string> ReadLabels(IssueRef issue)
    {
        var path = LabelFile(issue.Number);
        return File.Exists(path) ? JsonSerializer.Deserialize<List<string>>(File.ReadAllText(path)) ?? [] : [];
    }

    public Task<long> CreateCommentAsync(IssueRef issue, string body, CancellationToken cancellationToken) =>
        Task.FromResult(Append(issue, id: null, BotName, body));

    /// <summary>Adds a comment written by a person (the local operator by default).</summary>
    public long AddHumanComment(IssueRef issue, string body, string? author = null) => Append(issue, id: null, author ?? _operator, body);

    public Task UpdateCommentAsync(IssueRef issue, long commentId, string body, CancellationToken cancellationToken)
    {
        Append(issue, commentId, BotName, body);
        return Task.CompletedTask;
    }

    public Task SetStateLabelAsync(IssueRef issue, string label, CancellationToken cancellationToken)
    {
        var labels = ReadLabels(issue).Where(l => !IssueLabels.States.Contains(l)).Append(label).ToList();
        return AtomicFile.WriteAllTextAsync(LabelFile(issue.Number), JsonSerializer.Serialize(labels), cancellationToken);
    }

    public Task<string> GetPermissionAsync(string repository, string user, CancellationToken cancellationToken) =>
        Task.FromResult(string.Equals(user, _operator, StringComparison.OrdinalIgnoreCase) ? "admin" : "none");

    public Task<bool> IsTeamMemberAsync(string team, string user, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>Writes the file under MLOPS_HOME at the same relative path the GitHub commit would use.</summary>
    public Task CommitFileAsync(string repository, string path, string content, string message, string? branch, CancellationToken cancellationToken)
    {
        var target = Path.GetFullPath(Path.Combine(_historyRoot, path));
        if (!target.StartsWith(Path.GetFullPath(_historyRoot) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"path: '{path}' → a relative path inside MLOPS_HOME");
        }

        return AtomicFile.WriteAllTextAsync(target, content, cancellationToken);
    }

    private long Append(IssueRef issue, long? id, string author, string body)
    {
        lock (_gate)
        {
            var path = CommentLog(issue.Number);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var newId = id ?? (File.Exists(path) ? File.ReadLines(path).Count(l => l.Length > 0) : 0) + 1;
            var line = new JsonObject { ["id"] = newId, ["author"] = author, ["body"] = body }.ToJsonString(LogJson) + "\n";

            // One line per write: a reader sees whole entries, and an edit is a later entry with the same id.
            File.AppendAllText(path, line);
            return newId;
        }
    }

    private string IssueDirectory(int number) => Path.Combine(_root, number.ToString(CultureInfo.InvariantCulture));

    private string CommentLog(int number) => Path.Combine(IssueDirectory(number), "comments.jsonl");

    private string LabelFile(int number) => Path.Combine(IssueDirectory(number), "labels.json");
}

/// <summary>A local comment as it reads now.</summary>
public sealed record LocalComment(long Id, string Author, string Body, int Edits);
