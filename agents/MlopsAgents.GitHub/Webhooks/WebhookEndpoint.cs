using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Octokit.Webhooks;
using Octokit.Webhooks.AspNetCore;

namespace MlopsAgents.GitHub.Webhooks;

/// <summary>Registers and maps the webhook receiver; <see cref="Build"/> makes the whole `mlops webhook` server.</summary>
public static class WebhookEndpoint
{
    public const string DefaultPath = "/api/github/webhooks";

    /// <summary>Registers the processor, queue and worker; the caller registers <see cref="IssueWorkflow"/> and <see cref="IssueLinkStore"/>.</summary>
    public static IServiceCollection AddMlopsWebhooks(this IServiceCollection services, GitHubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.WebhookSecret))
        {
            throw new ArgumentException($"WebhookSecret: '' → the secret the GitHub webhook was created with (set {GitHubOptions.WebhookSecretVariable}); unsigned deliveries are never accepted.");
        }

        services.AddSingleton(options);
        services.AddSingleton<WebhookQueue>();
        services.AddSingleton<WebhookEventProcessor, MlopsWebhookProcessor>();
        services.AddHostedService<WebhookWorker>();
        return services;
    }

    /// <summary>Maps the endpoint; Octokit.Webhooks checks X-Hub-Signature-256 against the secret before the processor sees anything.</summary>
    public static void MapMlopsWebhooks(this WebApplication app, GitHubOptions options, string path = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGitHubWebhooks(path, options.WebhookSecret!);
    }

    /// <summary>
    /// A Kestrel server on <paramref name="host"/>:<paramref name="port"/> (0 picks a free port) receiving webhooks at
    /// <paramref name="path"/>; pushes go to <paramref name="codeChanges"/> when given.
    /// </summary>
    public static WebApplication Build(
        GitHubOptions options, IssueWorkflow workflow, IssueLinkStore links, string host = "127.0.0.1", int port = 8080, string path = DefaultPath, ICodeChangeListener? codeChanges = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{host}:{port}");
        builder.Services.AddSingleton(workflow);
        builder.Services.AddSingleton(links);
        if (codeChanges is not null)
        {
            builder.Services.AddSingleton(codeChanges);
        }

        builder.Services.AddMlopsWebhooks(options);
        var app = builder.Build();
        app.MapMlopsWebhooks(options, path);
        return app;
    }
}
