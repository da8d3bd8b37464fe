using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MlopsAgents.Plugins.Requests;

/// <summary>The shape of a YAML node in <see cref="YamlTree"/>.</summary>
internal enum YamlNodeKind
{
    Scalar,
    Mapping,
    Sequence,
}

/// <summary>What a scalar resolves to under the YAML 1.2 core schema.</summary>
internal enum YamlScalarType
{
    Null,
    Bool,
    Int,
    Float,
    String,
}

/// <summary>
/// One node of a loaded YAML document. Aliases share the anchored node instead of copying it, so a
/// document costs memory in proportion to its text even when its aliases expand to billions of nodes.
/// </summary>
internal sealed class YamlNode
{
    public required YamlNodeKind Kind { get; init; }
    public required long Line { get; init; }
    public string Text { get; init; } = "";

    /// <summary>Plain (unquoted, untagged) scalars are the only ones that can be null, bools or numbers.</summary>
    public bool IsPlain { get; init; }

    public List<KeyValuePair<YamlNode, YamlNode>> Pairs { get; } = [];
    public List<YamlNode> Items { get; } = [];

    /// <summary>Number of nodes this one stands for once every alias below it is expanded.</summary>
    public long ExpandedSize { get; set; } = 1;

    public YamlScalarType ScalarType => Kind != YamlNodeKind.Scalar ? YamlScalarType.String : YamlTree.Resolve(this);

    /// <summary>A short rendering of the node for error messages.</summary>
    public string Display => Kind switch
    {
        YamlNodeKind.Mapping => "(a mapping)",
        YamlNodeKind.Sequence => "(a list)",
        _ => Text.Length <= 80 ? Text : Text[..77] + "...",
    };
}

/// <summary>The outcome of loading YAML text: a root node or the one error that stopped the load.</summary>
internal sealed record YamlLoadResult(YamlNode? Root, string? Error, bool IsSyntaxError = false);

/// <summary>
/// Loads YAML from parser events into <see cref="YamlNode"/>s with bounds on expanded size and depth.
/// The event loop keeps its own stack rather than recursing, so hostile nesting cannot overflow the call stack.
/// </summary>
internal static partial class YamlTree
{
    private const string CoreTagPrefix = "tag:yaml.org,2002:";

    public static YamlLoadResult Load(string yaml, int lineOffset, int maxNodes, int maxDepth)
    {
        var parser = new Parser(new StringReader(yaml));
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var stack = new Stack<(YamlNode Node, YamlNode? PendingKey, string? Anchor)>();
        YamlNode? root = null;
        var documents = 0;
        var sawAlias = false;

        string TooBig() => sawAlias
            ? $"YAML aliases expand past {maxNodes.ToString(CultureInfo.InvariantCulture)} nodes; write the request out without aliases"
            : $"the YAML has more than {maxNodes.ToString(CultureInfo.InvariantCulture)} nodes, far more than a request needs";

        // Adds a finished node to its parent; returns an error when the parent grew past the node bound.
        string? Attach(YamlNode child)
        {
            if (stack.Count == 0)
            {
                root = child;
                return child.ExpandedSize > maxNodes ? TooBig() : null;
            }

            var (parent, pendingKey, anchor) = stack.Pop();
            if (parent.Kind == YamlNodeKind.Sequence)
            {
                parent.Items.Add(child);
            }
            else if (pendingKey is null)
            {
                pendingKey = child;
            }
            else
            {
                parent.Pairs.Add(new(pendingKey, child));
                pendingKey = null;
            }

            parent.ExpandedSize += child.ExpandedSize;
            stack.Push((parent, pendingKey, anchor));
            return parent.ExpandedSize > maxNodes ? TooBig() : null;
        }

        ParsingEvent? last = null;

        // YamlDotNet's scanner throws InvalidOperationException on some malformed flow collections (such as
        // "key: {value" in block context); that is bad input, not a bug here, so it becomes a syntax error.
        bool MoveNext()
        {
            try
            {
                return parser.MoveNext();
            }
            catch (InvalidOperationException)
            {
                var mark = last?.End ?? Mark.Empty;
                throw new SyntaxErrorException(mark, mark, "malformed YAML after this point; check for an unclosed '[', '{' or quote");
            }
        }

        try
        {
            while (MoveNext())
            {
                var current = parser.Current!;
                last = current;
                var line = current.Start.Line + lineOffset;
                string? error = null;
                switch (current)
                {
                    case DocumentStart:
                        documents++;
                        if (documents > 1)
                        {
                            return new(null, $"the request holds more than one YAML document (a second starts at line {Fmt(line)}); remove the extra '---'");
                        }

                        break;

                    case Scalar scalar:
                        var tagError = CheckTag(scalar.Tag, line);
                        if (tagError is not null)
                        {
                            return new(null, tagError);
                        }

                        var isStringTag = !scalar.Tag.IsEmpty && (scalar.Tag.IsNonSpecific || scalar.Tag.Value == CoreTagPrefix + "str");
                        var node = new YamlNode
                        {
                            Kind = YamlNodeKind.Scalar,
                            Line = line,
                            Text = scalar.Value,
                            IsPlain = scalar.Style == ScalarStyle.Plain && !isStringTag,
                        };
                        if (!scalar.Anchor.IsEmpty)
                        {
                            anchors[scalar.Anchor.Value] = node;
                        }

                        error = Attach(node);
                        break;

                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            return new(null, $"YAML alias '*{alias.Value.Value}' at line {Fmt(line)} refers to no earlier anchor '&{alias.Value.Value}'");
                        }

                        sawAlias = true;
                        error = Attach(target);
                        break;

                    case NodeEvent start and (SequenceStart or MappingStart):
                        var collectionTagError = CheckTag(start.Tag, line);
                        if (collectionTagError is not null)
                        {
                            return new(null, collectionTagError);
                        }

                        if (stack.Count >= maxDepth)
                        {
                            return new(null, $"the YAML nests deeper than {Fmt(maxDepth)} levels at line {Fmt(line)}");
                        }

                        var kind = start is SequenceStart ? YamlNodeKind.Sequence : YamlNodeKind.Mapping;
                        stack.Push((new YamlNode { Kind = kind, Line = line }, null, start.Anchor.IsEmpty ? null : start.Anchor.Value));
                        break;

                    case SequenceEnd or MappingEnd:
                        var (finished, _, finishedAnchor) = stack.Pop();

                        // Registered only now, so an alias inside its own anchor finds nothing and no cycle can form.
                        if (finishedAnchor is not null)
                        {
                            anchors[finishedAnchor] = finished;
                        }

                        error = Attach(finished);
                        break;
                }

                if (error is not null)
                {
                    return new(null, error);
                }
            }
        }
        catch (YamlException ex)
        {
            return new(null, $"YAML syntax error at line {Fmt(ex.Start.Line + lineOffset)}, column {Fmt(ex.Start.Column)}: {StripMarks(ex.Message)}", IsSyntaxError: true);
        }

        return new(root, null);
    }

    /// <summary>Resolves a scalar the way YAML 1.2's core schema does, so 'yes' and 'on' stay strings.</summary>
    public static YamlScalarType Resolve(YamlNode node)
    {
        if (!node.IsPlain)
        {
            return YamlScalarType.String;
        }

        var text = node.Text;
        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => YamlScalarType.Null,
            "true" or "True" or "TRUE" or "false" or "False" or "FALSE" => YamlScalarType.Bool,
            _ when IntPattern().IsMatch(text) => YamlScalarType.Int,
            _ when FloatPattern().IsMatch(text) => YamlScalarType.Float,
            _ => YamlScalarType.String,
        };
    }

    public static bool AsBool(YamlNode node) => node.Text is "true" or "True" or "TRUE";

    /// <summary>An integer literal's value, or null when it does not fit a long.</summary>
    public static long? AsLong(YamlNode node)
    {
        var text = node.Text;
        if (text.StartsWith("0x", StringComparison.Ordinal))
        {
            return long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && hex >= 0 ? hex : null;
        }

        if (text.StartsWith("0o", StringComparison.Ordinal))
        {
            long octal = 0;
            foreach (var c in text.AsSpan(2))
            {
                if (octal > (long.MaxValue >> 3))
                {
                    return null;
                }

                octal = (octal << 3) + (c - '0');
            }

            return octal;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>The numeric value of an Int or Float scalar.</summary>
    public static double AsDouble(YamlNode node)
    {
        if (Resolve(node) == YamlScalarType.Int)
        {
            // An integer too big for a long is still a number; hex and octal ones that big only need to fail range checks.
            return AsLong(node) ?? (char.IsAsciiDigit(node.Text[^1]) && !node.Text.StartsWith("0x", StringComparison.Ordinal)
                ? double.Parse(node.Text, NumberStyles.Float, CultureInfo.InvariantCulture)
                : double.PositiveInfinity);
        }

        var text = node.Text.TrimStart('+');
        return text.ToLowerInvariant() switch
        {
            ".inf" => double.PositiveInfinity,
            "-.inf" => double.NegativeInfinity,
            ".nan" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    private static string? CheckTag(TagName tag, long line)
    {
        if (tag.IsEmpty || tag.IsNonSpecific)
        {
            return null;
        }

        return tag.Value is CoreTagPrefix + "str" or CoreTagPrefix + "int" or CoreTagPrefix + "float" or CoreTagPrefix + "bool"
            or CoreTagPrefix + "null" or CoreTagPrefix + "map" or CoreTagPrefix + "seq"
            ? null
            : $"YAML tag '{tag.Value}' at line {Fmt(line)} is not supported; write plain values";
    }

    // YamlDotNet prefixes messages with the marks, which are relative to the YAML block rather than the issue body.
    private static string StripMarks(string message) => MarkPrefix().Replace(message, "");

    private static string Fmt(long value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[-+]?[0-9]+$|^0o[0-7]+$|^0x[0-9a-fA-F]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
