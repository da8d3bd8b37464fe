# syntax=docker/dockerfile:1
# The MCP server (mlops-mcp) for ECS Fargate. Build from the repository root:
#   docker build -f infra/docker/mcp-server.Dockerfile -t mlops-mcp .
# Stage 1 restores and publishes with the SDK; stage 2 carries only the ASP.NET runtime and the published files.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Project files first, so the restore layer is reused until a project or package version changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY plugins/MlopsAgents.Plugins/MlopsAgents.Plugins.csproj plugins/MlopsAgents.Plugins/
COPY plugins/MlopsAgents.Aws/MlopsAgents.Aws.csproj plugins/MlopsAgents.Aws/
COPY McpServer/MlopsAgents.McpServer/MlopsAgents.McpServer.csproj McpServer/MlopsAgents.McpServer/
RUN dotnet restore McpServer/MlopsAgents.McpServer/MlopsAgents.McpServer.csproj
COPY plugins/ plugins/
COPY McpServer/ McpServer/
COPY prompts/ prompts/
RUN dotnet publish McpServer/MlopsAgents.McpServer/MlopsAgents.McpServer.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# LightGBM needs OpenMP; ScottPlot reads fonts.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /var/lib/mlops && chown app:app /var/lib/mlops
ENV MLOPS_HOME=/var/lib/mlops \
    MLOPS_DATA_ROOT=/var/lib/mlops/data \
    DOTNET_gcServer=0
USER app
EXPOSE 3001
ENTRYPOINT ["dotnet", "mlops-mcp.dll"]
CMD ["--transport", "http", "--host", "0.0.0.0", "--port", "3001"]
