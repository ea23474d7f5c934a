# syntax=docker/dockerfile:1
# Gatehouse: a static binary on a distroless base, running as a non-root user,
# its data (SQLite database, generated SECRET, file-transport mail) in /data.
#
#   docker build -t gatehouse \
#     --build-arg VERSION="$(git describe --tags --always --dirty)" \
#     --build-arg COMMIT="$(git rev-parse HEAD)" .
#   docker run -p 8055:8055 -v gatehouse-data:/data gatehouse
#
# deploy/Dockerfile.binary is this file's final stage alone, for a binary built
# outside (scripts/build.sh); scripts/container-check.sh keeps the two alike.

ARG GO_VERSION=1.27.3

FROM docker.io/library/golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG OUT=/out/gatehouse
# The same line as scripts/build.sh (CI's build); scripts/container-check.sh compares them.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o "${OUT}" ./cmd/gatehouse
# The volume's mount point, owned by the user the server runs as (a new named
# volume takes this ownership; the final stage has no shell to make it).
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gatehouse /gatehouse
COPY --from=build --chown=65532:65532 /out/data /data
# --- final stage: keep in step with deploy/Dockerfile.binary ---
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=8055
USER 65532:65532
# From /, the default DB_FILENAME (./data/gatehouse.db) is in the volume too.
WORKDIR /
VOLUME ["/data"]
EXPOSE 8055
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/gatehouse", "healthcheck"]
ENTRYPOINT ["/gatehouse"]
CMD ["serve"]
