using MlopsAgents.Bench;

// Benchmarks that need more than a shell script. Each prints a Markdown table for docs/benchmarks.md, except speed,
// whose JSON lines bench/speed.sh joins with the Python reference into one.
return args.FirstOrDefault() switch
{
    "mcp-latency" => await McpLatency.RunAsync(args[1..]),
    "speed" => Speed.Run(args[1..]),
    "aws" => await AwsBench.RunAsync(args[1..]),
    "drift" => DriftBench.Run(args[1..]),
    "serving" => await ServingBench.RunAsync(args[1..]),
    "serving-profile" => await ServingProfile.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MlopsAgents.Bench mcp-latency [--clients N] [--calls N]");
    Console.Error.WriteLine("       MlopsAgents.Bench speed --train TRAIN.csv --test TEST.csv --label COLUMN [--name NAME] [--repeat N]");
    Console.Error.WriteLine("       MlopsAgents.Bench aws [--endpoint http://127.0.0.1:PORT/] [--objects N] [--signs N]");
    Console.Error.WriteLine("       MlopsAgents.Bench drift [--rows N] [--features N] [--repeat N]");
    Console.Error.WriteLine("       MlopsAgents.Bench serving --home MLOPS_HOME [--seconds N] [--connections N] [--threads N]");
    Console.Error.WriteLine("       MlopsAgents.Bench serving-profile --home MLOPS_HOME");
    return 2;
}
