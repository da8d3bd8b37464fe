using System.Globalization;
using System.Net;

namespace MlopsAgents.McpServer.Hosting;

/// <summary>How the server runs, from its command line. The bearer token comes from the environment, never from arguments.</summary>
public sealed record MlopsMcpOptions
{
    public const string TokenVariable = "MLOPS_MCP_TOKEN";

    /// <summary>stdio (launched by a chat client) or http (Streamable HTTP at /mcp).</summary>
    public string Transport { get; init; } = "stdio";

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 3001;

    /// <summary>Tools that write or destroy run only when this is set (dry runs always work), as the AWS SageMaker MCP server's --allow-write does.</summary>
    public bool AllowWrite { get; init; }

    /// <summary>The bearer token HTTP clients must present.</summary>
    public string? Token { get; init; }

    public const string Usage = """
        usage: mlops-mcp [--transport stdio|http] [--host ADDRESS] [--port N] [--allow-write]
          --transport   stdio (default) for chat clients that launch the server; http for Streamable HTTP at /mcp
          --host        HTTP bind address (default 127.0.0.1)
          --port        HTTP port (default 3001; 0 picks a free one)
          --allow-write enable tools that change state (without it they refuse, except with dry_run: true)
        environment: MLOPS_HOME (state, default ./.mlops), MLOPS_DATA_ROOT (where dataset files may be read, default the
          current directory), MLOPS_MCP_TOKEN (bearer token; required for --transport http)
        """;

    /// <summary>Parses arguments; returns the problems instead of guessing.</summary>
    public static (MlopsMcpOptions? Options, IReadOnlyList<string> Errors) Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var errors = new List<string>();
        var options = new MlopsMcpOptions { Token = NullIfEmpty(environment(TokenVariable)) };
        for (var i = 0; i < args.Count; i++)
        {
            string? Next() => i + 1 < args.Count ? args[++i] : null;
            switch (args[i])
            {
                case "--transport":
                    var t = Next();
                    if (t is "stdio" or "http")
                    {
                        options = options with { Transport = t };
                    }
                    else
                    {
                        errors.Add($"--transport: '{t}' is not a transport; allowed: stdio, http");
                    }

                    break;
                case "--host":
                    var h = Next();
                    if (h is not null && (h == "localhost" || IPAddress.TryParse(h, out _)))
                    {
                        options = options with { Host = h };
                    }
                    else
                    {
                        errors.Add($"--host: '{h}' is not an IP address; allowed: an IPv4/IPv6 address or localhost");
                    }

                    break;
                case "--port":
                    var p = Next();
                    if (int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
                    {
                        options = options with { Port = port };
                    }
                    else
                    {
                        errors.Add($"--port: '{p}' is not a port; allowed: 0 to 65535");
                    }

                    break;
                case "--allow-write":
                    options = options with { AllowWrite = true };
                    break;
                default:
                    errors.Add($"'{args[i]}' is not an option; allowed: --transport, --host, --port, --allow-write");
                    break;
            }
        }

        if (errors.Count == 0 && options.Transport == "http" && options.Token is null)
        {
            var where = IsLoopback(options.Host) ? "" : $" on the non-loopback address {options.Host}";
            errors.Add($"{TokenVariable}: the HTTP transport requires a bearer token{where}; set {TokenVariable} to a long random secret");
        }

        return errors.Count == 0 ? (options, errors) : (null, errors);
    }

    public static bool IsLoopback(string host) => host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
