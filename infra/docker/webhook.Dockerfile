# syntax=docker/dockerfile:1
# The GitHub webhook receiver (`mlops webhook`) for the Fargate task's second container. Build from the repository root:
#   docker build -f infra/docker/webhook.Dockerfile -t mlops-webhook .
# Stage 1 publishes the CLI and the MCP server into one folder: the workflow the webhook starts runs its Task states
# through `mlops-mcp --transport stdio`, which the CLI finds next to itself. Stage 2 is the ASP.NET runtime, non-root.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so the restore layer is reused until a project or package version changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY plugins/MlopsAgents.Plugins/MlopsAgents.Plugins.csproj plugins/MlopsAgents.Plugins/
COPY plugins/MlopsAgents.Aws/MlopsAgents.Aws.csproj plugins/MlopsAgents.Aws/
COPY agents/MlopsAgents.Workflow/MlopsAgents.Workflow.csproj agents/MlopsAgents.Workflow/
COPY agents/MlopsAgents.Agents/MlopsAgents.Agents.csproj agents/MlopsAgents.Agents/
COPY agents/MlopsAgents.GitHub/MlopsAgents.GitHub.csproj agents/MlopsAgents.GitHub/
COPY agents/MlopsAgents.Cli/MlopsAgents.Cli.csproj agents/MlopsAgents.Cli/
COPY McpServer/MlopsAgents.McpServer/MlopsAgents.McpServer.csproj McpServer/MlopsAgents.McpServer/
RUN dotnet restore agents/MlopsAgents.Cli/MlopsAgents.Cli.csproj
COPY plugins/ plugins/
COPY agents/ agents/
COPY McpServer/ McpServer/
COPY prompts/ prompts/
COPY evals/ evals/
COPY infra/statemachine/ infra/statemachine/
RUN dotnet publish McpServer/MlopsAgents.McpServer/MlopsAgents.McpServer.csproj -c Release --no-restore -o /app \
 && dotnet publish agents/MlopsAgents.Cli/MlopsAgents.Cli.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# LightGBM needs OpenMP; ScottPlot reads fonts.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# MLOPS_HOME is the task's EFS volume on Fargate (owned by the image's `app` user, uid/gid 1654, through an access point).
RUN mkdir -p /var/lib/mlops && chown app:app /var/lib/mlops
ENV MLOPS_HOME=/var/lib/mlops \
    MLOPS_DATA_ROOT=/var/lib/mlops/data \
    DOTNET_gcServer=0
USER app
EXPOSE 8090
ENTRYPOINT ["dotnet", "mlops.dll"]
CMD ["webhook", "--host", "0.0.0.0", "--port", "8090"]
