# The serving image: pipeline-infer (serve, embed, finetune, evaluate, pull) on ONNX Runtime alone, no TorchSharp.
#
#   docker build -f infra/docker/serving.Dockerfile -t pipeline-infer:cpu .
#   docker build -f infra/docker/serving.Dockerfile --build-arg ONNXRUNTIME=gpu --target gpu -t pipeline-infer:gpu .
#
# cpu: a chiseled ASP.NET runtime (no shell, no package manager, non-root). gpu: Microsoft.ML.OnnxRuntime.Gpu, whose
# CUDA provider ORT 1.31 builds against CUDA 13 and cuDNN 9, on NVIDIA's CUDA runtime image.

ARG ONNXRUNTIME=cpu

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG ONNXRUNTIME
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-onnx \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY shared/ shared/
COPY inference/ inference/
RUN dotnet restore inference/Pipeline.Inference.Cli/Pipeline.Inference.Cli.csproj -p:OnnxRuntimeBackend=${ONNXRUNTIME}
RUN dotnet publish inference/Pipeline.Inference.Cli/Pipeline.Inference.Cli.csproj -c Release --no-restore \
      -p:OnnxRuntimeBackend=${ONNXRUNTIME} -o /app

FROM nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04 AS gpu
COPY --from=mcr.microsoft.com/dotnet/aspnet:10.0-noble /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && useradd --uid 10001 pipeline
COPY --from=build /app /app
USER 10001
EXPOSE 8080
ENTRYPOINT ["dotnet", "/app/pipeline-infer.dll"]
CMD ["serve", "--help"]

# The default (last) stage: CPU serving on the chiseled image.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS cpu
COPY --from=build /app /app
USER 1654
EXPOSE 8080
ENTRYPOINT ["dotnet", "/app/pipeline-infer.dll"]
CMD ["serve", "--help"]
