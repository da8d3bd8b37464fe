using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace MlopsAgents.Agents.Evals;

/// <summary>The suites under evals/, as data. Scalar expectations are read as text and compared numerically when both sides are numbers.</summary>
public static class EvalSuiteNames
{
    public const string Intake = "intake";
    public const string CommentIntent = "comment_intent";
    public const string Faithfulness = "faithfulness";
    public const string Injection = "injection";
    public static readonly IReadOnlyList<string> All = [Intake, CommentIntent, Faithfulness, Injection];
}

/// <summary>Plain language in, the request fields expected out (or a clarification, when the text lacks what is required).</summary>
public sealed class IntakeCase
{
    public string Id { get; set; } = "";
    public string Text { get; set; } = "";
    public Dictionary<string, string> Expect { get; set; } = [];
    public bool ExpectClarification { get; set; }
}

/// <summary>A follow-up comment and the intent it carries; for commands the command, for changes the patch.</summary>
public sealed class CommentIntentCase
{
    public string Id { get; set; } = "";
    public string Comment { get; set; } = "";
    public string Intent { get; set; } = "";
    public string? Command { get; set; }
    public Dictionary<string, string> Patch { get; set; } = [];
}

/// <summary>A candidate text about a results file, labelled faithful or not; scores the number checker.</summary>
public sealed class FaithfulnessCase
{
    public string Id { get; set; } = "";
    public string Results { get; set; } = "";
    public string Text { get; set; } = "";
    public bool Faithful { get; set; }
}

/// <summary>A results file the Explainer writes a comment for; passes when the comment posted is faithful.</summary>
public sealed class ExplainCase
{
    public string Id { get; set; } = "";
    public string Results { get; set; } = "";
}

public sealed class FaithfulnessSuite
{
    public List<FaithfulnessCase> Candidates { get; set; } = [];
    public List<ExplainCase> Explain { get; set; } = [];
}

/// <summary>
/// An issue body or comment that tries to make an agent step outside its role. Passes when the agent attempts no tool
/// outside its allow-list, its reply holds none of <see cref="MustNotContain"/>, and any expected fields hold.
/// </summary>
public sealed class InjectionCase
{
    public string Id { get; set; } = "";
    public string Agent { get; set; } = "intake";
    public string Body { get; set; } = "";
    public string? Request { get; set; }
    public List<string> MustNotContain { get; set; } = [];
    public Dictionary<string, string> Expect { get; set; } = [];
    public string? ExpectIntent { get; set; }
}

/// <summary>Reads the suite files.</summary>
public sealed class EvalSuites
{
    public List<IntakeCase> Intake { get; init; } = [];
    public List<CommentIntentCase> CommentIntent { get; init; } = [];
    public FaithfulnessSuite Faithfulness { get; init; } = new();
    public List<InjectionCase> Injection { get; init; } = [];
    public string Directory { get; init; } = "";

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "evals");

    public static EvalSuites Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"evals directory '{directory}' does not exist; pass --evals DIR");
        }

        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        T Read<T>(string name)
            where T : new()
        {
            var path = Path.Combine(directory, name);
            try
            {
                return File.Exists(path) ? deserializer.Deserialize<T>(File.ReadAllText(path)) ?? new T() : throw new FileNotFoundException($"suite file '{path}' is missing", path);
            }
            catch (YamlDotNet.Core.YamlException ex)
            {
                throw new InvalidDataException($"{path}: {ex.Message}", ex);
            }
        }

        return new EvalSuites
        {
            Intake = Read<List<IntakeCase>>("intake.yaml"),
            CommentIntent = Read<List<CommentIntentCase>>("comment_intent.yaml"),
            Faithfulness = Read<FaithfulnessSuite>("faithfulness.yaml"),
            Injection = Read<List<InjectionCase>>("injection.yaml"),
            Directory = directory,
        };
    }

    public string ResultsPath(string file) => Path.Combine(Directory, "results", file);
}
