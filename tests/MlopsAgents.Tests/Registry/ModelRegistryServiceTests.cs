using MlopsAgents.Plugins.Registry;
using MlopsAgents.Plugins.Storage;
using MlopsAgents.Tests.Support;

namespace MlopsAgents.Tests.Registry;

public sealed class ModelRegistryServiceTests
{
    [Fact]
    public void NextVersion_FirstSameSchemaChangedSchema_GivesInitialMinorMajor()
    {
        using var dir = new TempDirectory();
        var (registry, store) = Open(dir);
        var service = new ModelRegistryService(registry, store);

        Assert.Equal("1.0.0", service.NextVersion("m", "schema-a").ToString());
        registry.InsertModelVersion(Version("m", "1.0.0", "schema-a"));
        Assert.Equal("1.1.0", service.NextVersion("m", "schema-a").ToString());
        registry.InsertModelVersion(Version("m", "1.1.0", "schema-a"));
        Assert.Equal("2.0.0", service.NextVersion("m", "schema-b").ToString());
    }

    [Fact]
    public async Task RegisterAsync_SevenGenerations_KeepsFiveAndThePinnedChampion()
    {
        using var dir = new TempDirectory();
        var (registry, store) = Open(dir);
        var service = new ModelRegistryService(registry, store);
        var versions = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var v = service.NextVersion("m", "s").ToString();
            await store.PutTextAsync(ArtifactKeys.ModelFile("m", v, "model.json"), "{}");
            await service.RegisterAsync(Version("m", v, "s"));
            versions.Add(v);
            if (i == 0)
            {
                service.Promote("m", v); // the first version stays champion: it must survive pruning
            }
        }

        Assert.Equal(["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0", "1.6.0"], versions);
        var all = registry.ListModelVersions("m");
        Assert.Equal(["1.1.0"], all.Where(m => m.Pruned).Select(m => m.Version));
        Assert.False(await store.ExistsAsync(ArtifactKeys.ModelFile("m", "1.1.0", "model.json")));
        Assert.True(await store.ExistsAsync(ArtifactKeys.ModelFile("m", "1.0.0", "model.json")));
        Assert.Equal(5, all.Take(5).Count(m => !m.Pruned));
        Assert.All(all.Take(5), m => Assert.False(m.Pruned));
    }

    [Fact]
    public void Promote_NewChampion_ArchivesThePrevious()
    {
        using var dir = new TempDirectory();
        var (registry, store) = Open(dir);
        var service = new ModelRegistryService(registry, store);
        registry.InsertModelVersion(Version("m", "1.0.0", "s"));
        registry.InsertModelVersion(Version("m", "1.1.0", "s"));

        service.Promote("m", "1.0.0");
        service.Promote("m", "1.1.0");

        Assert.Equal("1.1.0", registry.GetAlias("m", ModelAliases.Champion));
        Assert.Equal("1.0.0", registry.GetAlias("m", ModelAliases.Archived));
    }

    [Fact]
    public void GetLineage_RegisteredModel_LinksDatasetRunAndDeployment()
    {
        using var dir = new TempDirectory();
        var (registry, _) = Open(dir);
        registry.AddDatasetVersion(new DatasetVersion("ds", 1, "abc", "datasets/ds/versions/v1/data.csv", 10, ["x", "y"], "y", "/tmp/x.csv", DateTimeOffset.UtcNow));
        registry.SaveRun(new RunRecord("t1", "ds", 1, "xgboost", "classification", "finished", "pass", new Dictionary<string, object> { ["num_round"] = 100L },
            new Dictionary<string, double> { ["f1_score"] = 0.9 }, new Dictionary<string, string>(), new Dictionary<string, double>(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null));
        registry.InsertModelVersion(Version("m", "1.0.0", "s") with { TrainingId = "t1" });
        registry.AddDeployment("m", "1.0.0", "canary", "local://127.0.0.1", "active");

        var lineage = registry.GetLineage("m", "1.0.0")!;

        Assert.Equal("ds", lineage.Dataset!.DatasetId);
        Assert.Equal(100L, lineage.Run!.Parameters["num_round"]);
        Assert.Equal("canary", Assert.Single(lineage.Deployments).Strategy);
    }

    private static (SqliteRegistry, LocalArtifactStore) Open(TempDirectory dir) =>
        (new SqliteRegistry(dir.Combine("registry.db")), new LocalArtifactStore(dir.Combine("artifacts")));

    private static ModelVersionRecord Version(string name, string version, string schema) =>
        new(name, version, "t-" + version, ArtifactKeys.ModelPrefix(name, version), "sha", schema, "config", new Dictionary<string, double>(), DateTimeOffset.UtcNow, false);
}
