# syntax=docker/dockerfile:1
# The model-serving image: `mlops serve` with the deployed model packages baked in. Build from the repository root
# after `mlops run` has deployed a model under .mlops (or pass MLOPS_HOME_DIR):
#   docker build -f infra/docker/model-serving.Dockerfile --build-arg MLOPS_HOME_DIR=.mlops -t mlops-serve .
# SageMaker endpoints of the built-in algorithms (XGBoost, K-Means, PCA) use the algorithm's own serving image instead
# (the model package's container); this image is for the embedded ML.NET models on ECS or any container host.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY plugins/MlopsAgents.Plugins/MlopsAgents.Plugins.csproj plugins/MlopsAgents.Plugins/
COPY plugins/MlopsAgents.Aws/MlopsAgents.Aws.csproj plugins/MlopsAgents.Aws/
COPY agents/ agents/
RUN dotnet restore agents/MlopsAgents.Cli/MlopsAgents.Cli.csproj
COPY plugins/ plugins/
COPY prompts/ prompts/
RUN dotnet publish agents/MlopsAgents.Cli/MlopsAgents.Cli.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
ARG MLOPS_HOME_DIR=.mlops
WORKDIR /app
COPY --from=build /app ./
COPY --chown=app:app ${MLOPS_HOME_DIR}/ /var/lib/mlops/
ENV MLOPS_HOME=/var/lib/mlops
USER app
EXPOSE 8080
# ModelServer binds 127.0.0.1 (plugins/MlopsAgents.Plugins/Deployment/ModelServer.cs); until it takes a bind address,
# run this container with host networking or a sidecar proxy on the task's port.
ENTRYPOINT ["dotnet", "mlops.dll", "serve", "--port", "8080"]
