using MlopsAgents.Bench;

// Benchmarks that need more than a shell script. Each prints a Markdown table for docs/benchmarks.md.
return args.FirstOrDefault() switch
{
    "mcp-latency" => await McpLatency.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MlopsAgents.Bench mcp-latency [--clients N] [--calls N]");
    return 2;
}
