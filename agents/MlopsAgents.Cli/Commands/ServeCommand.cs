using System.CommandLine;
using MlopsAgents.Plugins.Deployment;
using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;

namespace MlopsAgents.Cli.Commands;

/// <summary><c>mlops serve</c>: the local model server for every active deployment.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var command = new Command("serve", "Serve the deployed model versions on 127.0.0.1: POST /predict, GET /health, GET /openapi.json.") { port };
        command.SetAction(async (parse, ct) =>
        {
            var p = parse.GetValue(port);
            if (p is < 0 or > 65535)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"--port: {p} is not a port; allowed: 0 to 65535.");
            }

            var home = CliEnvironment.Home;
            var deployer = new LocalDeployer(new SqliteRegistry(home.RegistryDatabase), new LocalArtifactStore(home.ArtifactsRoot), Path.Combine(home.Root, "cache"));
            var packages = await deployer.LoadActiveAsync(ct);
            if (packages.Count == 0)
            {
                return CliEnvironment.Fail(CliEnvironment.InvalidInput, $"nothing is deployed under {home.Root}; run `mlops run ISSUE.md` first.");
            }

            await using var server = await ModelServer.StartAsync(packages, p, cancellationToken: ct);
            foreach (var package in packages)
            {
                Console.Error.WriteLine($"loaded {package.Metadata.ModelName} {package.Metadata.Version}");
            }

            Console.Error.WriteLine($"serving on {server.BaseAddress} (POST /predict, GET /health, GET /openapi.json); Ctrl+C stops");
            await server.WaitForShutdownAsync(ct);
            return CliEnvironment.Ok;
        });
        return command;
    }
}
