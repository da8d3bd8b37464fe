using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace MlopsAgents.Plugins.Registry;

/// <summary>
/// The embedded default's dataset registry, run tracker and model registry, in one SQLite file.
/// Every method opens its own connection, so the CLI, the model server and the workflow can share the file.
/// </summary>
public sealed class SqliteRegistry
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly string _connectionString;

    public SqliteRegistry(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false, DefaultTimeout = 30 }.ToString();
        Migrate();
    }

    // ---------- datasets ----------

    public DatasetVersion? GetDataset(string datasetId, int? version = null)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = version is null
            ? "SELECT * FROM datasets WHERE dataset_id = $id ORDER BY version DESC LIMIT 1"
            : "SELECT * FROM datasets WHERE dataset_id = $id AND version = $v";
        cmd.Parameters.AddWithValue("$id", datasetId);
        cmd.Parameters.AddWithValue("$v", (object?)version ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadDataset(r) : null;
    }

    public IReadOnlyList<DatasetVersion> ListDatasetVersions(string datasetId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT * FROM datasets WHERE dataset_id = $id ORDER BY version";
        cmd.Parameters.AddWithValue("$id", datasetId);
        using var r = cmd.ExecuteReader();
        var list = new List<DatasetVersion>();
        while (r.Read())
        {
            list.Add(ReadDataset(r));
        }

        return list;
    }

    public void AddDatasetVersion(DatasetVersion d)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO datasets (dataset_id, version, sha256, artifact_key, row_count, columns, target, source_path, created_at)
            VALUES ($id, $v, $sha, $key, $rows, $cols, $target, $src, $at)
            """;
        cmd.Parameters.AddWithValue("$id", d.DatasetId);
        cmd.Parameters.AddWithValue("$v", d.Version);
        cmd.Parameters.AddWithValue("$sha", d.Sha256);
        cmd.Parameters.AddWithValue("$key", d.ArtifactKey);
        cmd.Parameters.AddWithValue("$rows", d.RowCount);
        cmd.Parameters.AddWithValue("$cols", JsonSerializer.Serialize(d.Columns, Json));
        cmd.Parameters.AddWithValue("$target", (object?)d.Target ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$src", d.SourcePath);
        cmd.Parameters.AddWithValue("$at", d.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

    // ---------- runs ----------

    public void SaveRun(RunRecord run)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO runs (training_id, dataset_id, dataset_version, algorithm, task_type, status, decision, parameters, metrics,
                              artifacts, timings, started_at, ended_at, parent_training_id)
            VALUES ($id, $ds, $dv, $alg, $task, $status, $decision, $params, $metrics, $artifacts, $timings, $start, $end, $parent)
            ON CONFLICT(training_id) DO UPDATE SET status = excluded.status, decision = excluded.decision, parameters = excluded.parameters,
                metrics = excluded.metrics, artifacts = excluded.artifacts, timings = excluded.timings, ended_at = excluded.ended_at
            """;
        cmd.Parameters.AddWithValue("$id", run.TrainingId);
        cmd.Parameters.AddWithValue("$ds", run.DatasetId);
        cmd.Parameters.AddWithValue("$dv", run.DatasetVersion);
        cmd.Parameters.AddWithValue("$alg", run.Algorithm);
        cmd.Parameters.AddWithValue("$task", run.TaskType);
        cmd.Parameters.AddWithValue("$status", run.Status);
        cmd.Parameters.AddWithValue("$decision", (object?)run.Decision ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$params", JsonSerializer.Serialize(run.Parameters, Json));
        cmd.Parameters.AddWithValue("$metrics", JsonSerializer.Serialize(run.Metrics, Json));
        cmd.Parameters.AddWithValue("$artifacts", JsonSerializer.Serialize(run.Artifacts, Json));
        cmd.Parameters.AddWithValue("$timings", JsonSerializer.Serialize(run.TimingsSeconds, Json));
        cmd.Parameters.AddWithValue("$start", run.StartedAt.ToString("O", CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$end", run.EndedAt is { } e ? e.ToString("O", CultureInfo.InvariantCulture) : DBNull.Value);
        cmd.Parameters.AddWithValue("$parent", (object?)run.ParentTrainingId ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    public RunRecord? GetRun(string trainingId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT * FROM runs WHERE training_id = $id";
        cmd.Parameters.AddWithValue("$id", trainingId);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadRun(r) : null;
    }

    public IReadOnlyList<RunRecord> ListRuns(string? datasetId = null, int limit = 100)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = datasetId is null
            ? "SELECT * FROM runs ORDER BY started_at DESC LIMIT $limit"
            : "SELECT * FROM runs WHERE dataset_id = $ds ORDER BY started_at DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$ds", (object?)datasetId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$limit", limit);
        using var r = cmd.ExecuteReader();
        var list = new List<RunRecord>();
        while (r.Read())
        {
            list.Add(ReadRun(r));
        }

        return list;
    }

    /// <summary>Records one stored artifact of a run with its SHA-256.</summary>
    public void RecordArtifact(string? trainingId, string name, Storage.ArtifactRef artifact)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO artifacts (artifact_key, training_id, name, sha256, size, created_at) VALUES ($key, $id, $name, $sha, $size, $at)
            ON CONFLICT(artifact_key) DO UPDATE SET training_id = excluded.training_id, name = excluded.name, sha256 = excluded.sha256,
                size = excluded.size, created_at = excluded.created_at
            """;
        cmd.Parameters.AddWithValue("$key", artifact.Key);
        cmd.Parameters.AddWithValue("$id", (object?)trainingId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$sha", artifact.Sha256);
        cmd.Parameters.AddWithValue("$size", artifact.Size);
        cmd.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

    /// <summary>The recorded SHA-256 of an artifact key, or null.</summary>
    public string? GetArtifactSha256(string key)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT sha256 FROM artifacts WHERE artifact_key = $key";
        cmd.Parameters.AddWithValue("$key", key);
        return cmd.ExecuteScalar() as string;
    }

    // ---------- models ----------

    /// <summary>Every version of a model, newest first, pruned ones included.</summary>
    public IReadOnlyList<ModelVersionRecord> ListModelVersions(string name)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT * FROM models WHERE name = $name";
        cmd.Parameters.AddWithValue("$name", name);
        using var r = cmd.ExecuteReader();
        var list = new List<ModelVersionRecord>();
        while (r.Read())
        {
            list.Add(ReadModel(r));
        }

        return list.OrderByDescending(m => SemanticVersion.Parse(m.Version)).ToList();
    }

    public ModelVersionRecord? GetModelVersion(string name, string version)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT * FROM models WHERE name = $name AND version = $v";
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$v", version);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadModel(r) : null;
    }

    public void InsertModelVersion(ModelVersionRecord m)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO models (name, version, training_id, artifact_prefix, sha256, feature_schema_hash, config_hash, metrics, created_at, pruned)
            VALUES ($name, $v, $tid, $prefix, $sha, $schema, $config, $metrics, $at, $pruned)
            """;
        cmd.Parameters.AddWithValue("$name", m.Name);
        cmd.Parameters.AddWithValue("$v", m.Version);
        cmd.Parameters.AddWithValue("$tid", m.TrainingId);
        cmd.Parameters.AddWithValue("$prefix", m.ArtifactPrefix);
        cmd.Parameters.AddWithValue("$sha", m.Sha256);
        cmd.Parameters.AddWithValue("$schema", m.FeatureSchemaHash);
        cmd.Parameters.AddWithValue("$config", m.ConfigHash);
        cmd.Parameters.AddWithValue("$metrics", JsonSerializer.Serialize(m.Metrics, Json));
        cmd.Parameters.AddWithValue("$at", m.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$pruned", m.Pruned ? 1 : 0);
        cmd.ExecuteNonQuery();
    }

    public void MarkPruned(string name, string version)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE models SET pruned = 1 WHERE name = $name AND version = $v";
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$v", version);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Points an alias at a version, replacing wherever it pointed before.</summary>
    public void SetAlias(string name, string alias, string version)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO model_aliases (name, alias, version, updated_at) VALUES ($name, $alias, $v, $at)
            ON CONFLICT(name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at
            """;
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$alias", alias);
        cmd.Parameters.AddWithValue("$v", version);
        cmd.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

    public void RemoveAlias(string name, string alias)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM model_aliases WHERE name = $name AND alias = $alias";
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$alias", alias);
        cmd.ExecuteNonQuery();
    }

    public string? GetAlias(string name, string alias)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT version FROM model_aliases WHERE name = $name AND alias = $alias";
        cmd.Parameters.AddWithValue("$name", name);
        cmd.Parameters.AddWithValue("$alias", alias);
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Aliases of a model, alias → version.</summary>
    public IReadOnlyDictionary<string, string> GetAliases(string name)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT alias, version FROM model_aliases WHERE name = $name ORDER BY alias";
        cmd.Parameters.AddWithValue("$name", name);
        using var r = cmd.ExecuteReader();
        var d = new Dictionary<string, string>();
        while (r.Read())
        {
            d[r.GetString(0)] = r.GetString(1);
        }

        return d;
    }

    // ---------- deployments ----------

    public DeploymentRecord AddDeployment(string modelName, string version, string strategy, string endpoint, string status)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using (var retire = c.CreateCommand())
        {
            // One active deployment per model on the local endpoint: the new one replaces the old.
            retire.Transaction = tx;
            retire.CommandText = "UPDATE deployments SET status = 'superseded' WHERE model_name = $name AND status = 'active'";
            retire.Parameters.AddWithValue("$name", modelName);
            retire.ExecuteNonQuery();
        }

        var at = DateTimeOffset.UtcNow;
        long id;
        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO deployments (model_name, version, strategy, endpoint, status, created_at)
                VALUES ($name, $v, $strategy, $endpoint, $status, $at) RETURNING id
                """;
            cmd.Parameters.AddWithValue("$name", modelName);
            cmd.Parameters.AddWithValue("$v", version);
            cmd.Parameters.AddWithValue("$strategy", strategy);
            cmd.Parameters.AddWithValue("$endpoint", endpoint);
            cmd.Parameters.AddWithValue("$status", status);
            cmd.Parameters.AddWithValue("$at", at.ToString("O", CultureInfo.InvariantCulture));
            id = (long)cmd.ExecuteScalar()!;
        }

        tx.Commit();
        return new DeploymentRecord(id, modelName, version, strategy, endpoint, status, at);
    }

    /// <summary>The active deployment of every model, most recent first.</summary>
    public IReadOnlyList<DeploymentRecord> ListActiveDeployments() => QueryDeployments("WHERE status = 'active' ORDER BY id DESC", null);

    public IReadOnlyList<DeploymentRecord> ListDeployments(string modelName) =>
        QueryDeployments("WHERE model_name = $name ORDER BY id DESC", modelName);

    public ModelLineage? GetLineage(string name, string version)
    {
        var model = GetModelVersion(name, version);
        if (model is null)
        {
            return null;
        }

        var run = GetRun(model.TrainingId);
        var dataset = run is null ? null : GetDataset(run.DatasetId, run.DatasetVersion);
        var deployments = ListDeployments(name).Where(d => d.Version == version).ToList();
        return new ModelLineage(model, run, dataset, deployments);
    }

    private IReadOnlyList<DeploymentRecord> QueryDeployments(string where, string? modelName)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, model_name, version, strategy, endpoint, status, created_at FROM deployments " + where;
        cmd.Parameters.AddWithValue("$name", (object?)modelName ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        var list = new List<DeploymentRecord>();
        while (r.Read())
        {
            list.Add(new DeploymentRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), ParseTime(r.GetString(6))));
        }

        return list;
    }

    // ---------- plumbing ----------

    private SqliteConnection Open() => Storage.SqliteConnections.Open(_connectionString, "PRAGMA foreign_keys = ON;");

    private void Migrate()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS datasets (
                dataset_id TEXT NOT NULL, version INTEGER NOT NULL, sha256 TEXT NOT NULL, artifact_key TEXT NOT NULL,
                row_count INTEGER NOT NULL, columns TEXT NOT NULL, target TEXT, source_path TEXT NOT NULL, created_at TEXT NOT NULL,
                PRIMARY KEY (dataset_id, version));
            CREATE TABLE IF NOT EXISTS runs (
                training_id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, dataset_version INTEGER NOT NULL, algorithm TEXT NOT NULL,
                task_type TEXT NOT NULL, status TEXT NOT NULL, decision TEXT, parameters TEXT NOT NULL, metrics TEXT NOT NULL,
                artifacts TEXT NOT NULL, timings TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, parent_training_id TEXT);
            CREATE TABLE IF NOT EXISTS artifacts (
                artifact_key TEXT PRIMARY KEY, training_id TEXT, name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
                created_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS models (
                name TEXT NOT NULL, version TEXT NOT NULL, training_id TEXT NOT NULL, artifact_prefix TEXT NOT NULL, sha256 TEXT NOT NULL,
                feature_schema_hash TEXT NOT NULL, config_hash TEXT NOT NULL, metrics TEXT NOT NULL, created_at TEXT NOT NULL,
                pruned INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (name, version));
            CREATE TABLE IF NOT EXISTS model_aliases (
                name TEXT NOT NULL, alias TEXT NOT NULL, version TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (name, alias));
            CREATE TABLE IF NOT EXISTS deployments (
                id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, version TEXT NOT NULL, strategy TEXT NOT NULL,
                endpoint TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL);
            """;
        cmd.ExecuteNonQuery();
    }

    private static DatasetVersion ReadDataset(SqliteDataReader r) => new(
        r.GetString(r.GetOrdinal("dataset_id")),
        r.GetInt32(r.GetOrdinal("version")),
        r.GetString(r.GetOrdinal("sha256")),
        r.GetString(r.GetOrdinal("artifact_key")),
        r.GetInt32(r.GetOrdinal("row_count")),
        JsonSerializer.Deserialize<List<string>>(r.GetString(r.GetOrdinal("columns")))!,
        r.IsDBNull(r.GetOrdinal("target")) ? null : r.GetString(r.GetOrdinal("target")),
        r.GetString(r.GetOrdinal("source_path")),
        ParseTime(r.GetString(r.GetOrdinal("created_at"))));

    private static RunRecord ReadRun(SqliteDataReader r) => new(
        r.GetString(r.GetOrdinal("training_id")),
        r.GetString(r.GetOrdinal("dataset_id")),
        r.GetInt32(r.GetOrdinal("dataset_version")),
        r.GetString(r.GetOrdinal("algorithm")),
        r.GetString(r.GetOrdinal("task_type")),
        r.GetString(r.GetOrdinal("status")),
        r.IsDBNull(r.GetOrdinal("decision")) ? null : r.GetString(r.GetOrdinal("decision")),
        ReadParameters(r.GetString(r.GetOrdinal("parameters"))),
        JsonSerializer.Deserialize<Dictionary<string, double>>(r.GetString(r.GetOrdinal("metrics")))!,
        JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(r.GetOrdinal("artifacts")))!,
        JsonSerializer.Deserialize<Dictionary<string, double>>(r.GetString(r.GetOrdinal("timings")))!,
        ParseTime(r.GetString(r.GetOrdinal("started_at"))),
        r.IsDBNull(r.GetOrdinal("ended_at")) ? null : ParseTime(r.GetString(r.GetOrdinal("ended_at"))),
        r.IsDBNull(r.GetOrdinal("parent_training_id")) ? null : r.GetString(r.GetOrdinal("parent_training_id")));

    private static ModelVersionRecord ReadModel(SqliteDataReader r) => new(
        r.GetString(r.GetOrdinal("name")),
        r.GetString(r.GetOrdinal("version")),
        r.GetString(r.GetOrdinal("training_id")),
        r.GetString(r.GetOrdinal("artifact_prefix")),
        r.GetString(r.GetOrdinal("sha256")),
        r.GetString(r.GetOrdinal("feature_schema_hash")),
        r.GetString(r.GetOrdinal("config_hash")),
        JsonSerializer.Deserialize<Dictionary<string, double>>(r.GetString(r.GetOrdinal("metrics")))!,
        ParseTime(r.GetString(r.GetOrdinal("created_at"))),
        r.GetInt32(r.GetOrdinal("pruned")) != 0);

    /// <summary>Parameters come back as JSON scalars turned into long, double, bool or string, as they went in.</summary>
    private static IReadOnlyDictionary<string, object> ReadParameters(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var d = new Dictionary<string, object>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            d[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.Number when p.Value.TryGetInt64(out var l) => l,
                JsonValueKind.Number => p.Value.GetDouble(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => p.Value.GetString()!,
                _ => p.Value.GetRawText(),
            };
        }

        return d;
    }

    private static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
