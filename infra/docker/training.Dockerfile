# The training image: pipeline-train (pretrain, evaluate, export, report, publish, nightly) on TorchSharp with CUDA.
#
#   docker build -f infra/docker/training.Dockerfile -t pipeline-train:cuda .
#   docker build -f infra/docker/training.Dockerfile --build-arg TORCH=cpu -t pipeline-train:cpu .
#
# TORCH=cuda references TorchSharp-cuda-linux (libtorch with its own CUDA and cuDNN libraries inside), so the runtime
# image needs only the NVIDIA driver, which the NVIDIA container runtime mounts from the node.

ARG TORCH=cuda

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG TORCH
# Pipeline.Onnx compiles the onnx.proto of python3-onnx at build time (see DESIGN.md).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-onnx \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Restore first, from the project files alone, so that a source change does not restore again.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY shared/ shared/
COPY training/ training/
RUN dotnet restore training/Pipeline.Training.Cli/Pipeline.Training.Cli.csproj -p:TorchBackend=${TORCH}
RUN dotnet publish training/Pipeline.Training.Cli/Pipeline.Training.Cli.csproj -c Release --no-restore \
      -p:TorchBackend=${TORCH} -o /app

# The driver comes from the node; libtorch-cuda brings the CUDA user-space libraries itself.
FROM nvidia/cuda:12.8.1-base-ubuntu24.04 AS runtime
COPY --from=mcr.microsoft.com/dotnet/runtime:10.0-noble /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgomp1 ca-certificates dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --create-home pipeline
COPY --from=build /app /app
USER 10001
WORKDIR /work
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
ENTRYPOINT ["dotnet", "/app/pipeline-train.dll"]
CMD ["--help"]
