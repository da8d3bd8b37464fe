using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MlopsAgents.McpServer.Prompts;
using MlopsAgents.McpServer.Resources;
using MlopsAgents.McpServer.Tools;
using MlopsAgents.Plugins;
using ModelContextProtocol.Protocol;

namespace MlopsAgents.McpServer.Hosting;

/// <summary>Registers the MLOps MCP server: its tools, resources, prompts and the guard around every tool call.</summary>
public static class MlopsMcpServerSetup
{
    public const string ServerName = "mlops-mcp";

    /// <summary>The audit folder inside the store.</summary>
    public static string AuditDirectory(MlopsContext context) => Path.Combine(context.Home.ArtifactsRoot, "logs", "mcp");

    /// <summary>The prompts shipped next to the server binary (copied from the repository's prompts/ folder).</summary>
    public static string DefaultPromptsDirectory => Path.Combine(AppContext.BaseDirectory, "prompts");

    public static IMcpServerBuilder AddMlopsMcpServer(this IServiceCollection services, MlopsMcpOptions options, MlopsContext context, string? promptsDirectory = null)
    {
        var audit = new AuditLog(AuditDirectory(context));
        var prompts = PromptLibrary.Load(promptsDirectory ?? DefaultPromptsDirectory);
        services.AddSingleton(context);
        services.AddSingleton(options);
        services.AddSingleton(audit);
        return services
            .AddMcpServer(o => o.ServerInfo = new Implementation { Name = ServerName, Version = typeof(MlopsMcpServerSetup).Assembly.GetName().Version?.ToString(3) ?? "0.1.0" })
            .WithTools<DataPreparationTools>()
            .WithTools<TrainingTools>()
            .WithTools<EvaluationTools>()
            .WithTools<RegistryTools>()
            .WithTools<GitHubTools>()
            .WithTools<ReinforcementTools>()
            .WithTools<OptimizationTools>()
            .WithTools<MonitoringTools>()
            .WithTools<ImbalanceTools>()
            .WithTools<UnsupervisedTools>()
            .WithTools<HyperparameterTools>()
            .WithTools<ExplainabilityTools>()
            .WithTools<AwsTools>()
            .WithTools<AwsWorkflowTools>()
            .WithTools<WorkflowTools>()
            .WithResources<MlopsResources>()
            .WithListPromptsHandler(prompts.ListAsync)
            .WithGetPromptHandler(prompts.GetAsync)
            .WithRequestFilters(filters =>
            {
                filters.AddCallToolFilter(ToolGuard.Create(options, audit));
                filters.AddCallToolFilter(IdempotencyFilter.Create(new IdempotencyStore(Path.Combine(context.Home.Root, "mcp-idempotency.db"))));
            });
    }

    /// <summary>Builds the Streamable HTTP server at /mcp, behind a bearer-token check. Refuses to build without a token.</summary>
    public static WebApplication BuildHttpApp(MlopsMcpOptions options, MlopsContext context, string? promptsDirectory = null)
    {
        if (string.IsNullOrEmpty(options.Token))
        {
            throw new InvalidOperationException($"The HTTP transport requires a bearer token; set {MlopsMcpOptions.TokenVariable}.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':', StringComparison.Ordinal) ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        builder.Services.AddMlopsMcpServer(options, context, promptsDirectory).WithHttpTransport();
        var app = builder.Build();
        var expected = Encoding.UTF8.GetBytes("Bearer " + options.Token);
        app.Use(async (http, next) =>
        {
            var given = Encoding.UTF8.GetBytes(http.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Bearer";
                await http.Response.WriteAsync("A valid bearer token is required (Authorization: Bearer <MLOPS_MCP_TOKEN>).").ConfigureAwait(false);
                return;
            }

            await next(http).ConfigureAwait(false);
        });
        app.MapMcp("/mcp");
        return app;
    }
}
