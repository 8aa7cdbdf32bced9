# syntax=docker/dockerfile:1
# The herd image: the agent and the CLI (`herd`) and the process shim (`herd-launch`, static).
#
#   docker build -t herd:dev .                    (the release image: target `release`)
#   docker build --target e2e -t herd:e2e .       (plus herd-sleeper, for e2e/kind/run.sh)
#   docker run --rm herd:dev version --client
#
# Stages: `build` compiles on Debian bookworm with the same -dev packages as scripts/deps.sh
# (tests off: no GoogleTest needed); `runtime` is bookworm-slim with only the shared libraries
# `ldd herd` names, and scripts/check-image-libs.sh keeps it so: it reads RUNTIME_PACKAGES below
# and fails if a library the binaries need comes from a package missing here.
#
# What the runtime stage carries, and why:
#   - the runtime libraries of cpprestsdk, yaml-cpp, prometheus-cpp, OpenSSL and their
#     compression libraries;
#   - runc, for `runtime: container` workloads when the agent runs with the privileges runc needs
#     (a laptop, a privileged pod). Under the chart's `restricted` pod security runc cannot
#     create containers; in a cluster use `containerPods.enabled` (container workloads as Pods)
#     or process workloads. runc is ~10 MB; keeping it makes the image useful outside Kubernetes;
#   - coreutils' `sleep` and dash's `sh`, which bookworm-slim already has: the example workloads
#     and `helm test` run them (no busybox needed). The kind suite's workload, herd-sleeper, is
#     only in the `e2e` target;
#   - ca-certificates, for a kubeconfig or API server whose CA is a public one.
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz (the chart sets them).
# The image runs as uid/gid 65532 (non-root) and writes only under /var/lib/herd (a volume) and
# /tmp, so it works with readOnlyRootFilesystem.

ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && \
    apt-get install -y -qq --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates \
      libcpprest-dev libyaml-cpp-dev prometheus-cpp-dev libssl-dev nlohmann-json3-dev && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DHERD_BUILD_TESTS=OFF && \
    cmake --build /build --target herd herd-launch -j"$(nproc)" && \
    strip /build/herd /build/herd-launch && \
    /build/herd version --client
# The e2e stage's workload (tests/testing/sleeper.cc, the libc build): waits for SIGTERM, its
# argv[1] a marker the kind suite counts processes by. Not in the release image.
RUN g++ -O2 -static -o /build/herd-sleeper tests/testing/sleeper.cc && strip /build/herd-sleeper

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# One package a line, between the markers: scripts/check-image-libs.sh reads this list.
# BEGIN RUNTIME_PACKAGES
RUN apt-get update -qq && \
    apt-get install -y -qq --no-install-recommends \
      libcpprest2.10 \
      libyaml-cpp0.7 \
      libprometheus-cpp-core1.0 \
      libprometheus-cpp-pull1.0 \
      libcivetweb1 \
      libssl3 \
      libbrotli1 \
      zlib1g \
      runc \
      ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# END RUNTIME_PACKAGES
RUN groupadd --system --gid 65532 herd && \
    useradd --system --uid 65532 --gid 65532 --home-dir /var/lib/herd --no-create-home \
      --shell /usr/sbin/nologin herd && \
    install -d -o 65532 -g 65532 -m 0750 /var/lib/herd
COPY --from=build /build/herd /build/herd-launch /usr/local/bin/
USER 65532:65532
WORKDIR /var/lib/herd
VOLUME ["/var/lib/herd"]
EXPOSE 7070 7946 9464
ENTRYPOINT ["herd"]
CMD ["agent"]

# The kind e2e suite's image (e2e/kind/run.sh: docker build --target e2e): the release image plus
# herd-sleeper at /usr/local/bin/herd-sleeper.
FROM runtime AS e2e
COPY --from=build /build/herd-sleeper /usr/local/bin/herd-sleeper

# The default target: the release image.
FROM runtime AS release
