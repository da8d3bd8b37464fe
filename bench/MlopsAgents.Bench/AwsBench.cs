using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using MlopsAgents.Aws.Configuration;
using MlopsAgents.Aws.Http;
using MlopsAgents.Aws.Storage;
using MlopsAgents.Plugins.Storage;
using Amazon.S3.Model;

namespace MlopsAgents.Bench;

/// <summary>
/// The AWS layer's own costs on this machine: SigV4 signing of a JSON request (AWSSDK.Core's signer behind our
/// canonicalisation), and S3ArtifactStore put/get of 1 MiB objects against an s3rver on 127.0.0.1 (started by
/// bench/aws-s3rver.sh and passed with --endpoint). Prints a Markdown table.
/// </summary>
internal static class AwsBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var endpoint = Arg(args, "--endpoint");
        var objects = int.Parse(Arg(args, "--objects") ?? "50", CultureInfo.InvariantCulture);
        var signs = int.Parse(Arg(args, "--signs") ?? "20000", CultureInfo.InvariantCulture);

        var credentials = new ImmutableCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
        var body = Encoding.UTF8.GetBytes("{\"TrainingJobName\":\"" + new string('x', 1000) + "\"}");
        var headers = new Dictionary<string, string>
        {
            ["host"] = "api.sagemaker.us-east-1.amazonaws.com",
            ["x-amz-date"] = "20261124T000000Z",
            ["content-type"] = "application/x-amz-json-1.1",
            ["x-amz-target"] = "SageMaker.DescribeTrainingJob",
        };
        var request = new SigV4Request("POST", new Uri("https://api.sagemaker.us-east-1.amazonaws.com/"), headers, body);
        for (var i = 0; i < 1000; i++)
        {
            SigV4Signer.Sign(request, credentials, "us-east-1", "sagemaker", DateTime.UtcNow);
        }

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < signs; i++)
        {
            SigV4Signer.Sign(request, credentials, "us-east-1", "sagemaker", DateTime.UtcNow);
        }

        var signMicros = clock.Elapsed.TotalMicroseconds / signs;
        Console.WriteLine("| measurement | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| SigV4 sign, 1 KiB JSON body ({signs} signatures) | {signMicros:0.0} µs each |"));
        if (endpoint is null)
        {
            return 0;
        }

        using var s3 = AwsBackends.CreateS3Client("us-east-1", new Uri(endpoint), new BasicAWSCredentials("S3RVER", "S3RVER"));
        var bucket = "mlops-bench-" + Guid.NewGuid().ToString("N")[..8];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        var store = new S3ArtifactStore(s3, new S3ArtifactStoreOptions { Bucket = bucket, Prefix = "mlops" });
        var payload = new byte[1 << 20];
        new Random(1).NextBytes(payload);
        var puts = new List<double>();
        var gets = new List<double>();
        for (var i = 0; i < objects; i++)
        {
            clock.Restart();
            await store.PutBytesAsync($"models/bench/1.0.{i}/model.zip", payload);
            puts.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            await using (var read = await store.OpenReadAsync($"models/bench/1.0.{i}/model.zip"))
            {
                await read.CopyToAsync(Stream.Null);
            }

            gets.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| S3 PutAsync 1 MiB via s3rver, median of {objects} (spool + SHA-256 + upload) | {Median(puts):0.0} ms |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| S3 OpenReadAsync + read 1 MiB via s3rver, median of {objects} | {Median(gets):0.0} ms |"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
