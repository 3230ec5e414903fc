# jobdesc: one static binary in a minimal non-root image.
#   docker build -t jobdesc .
#   docker run -e SLACK_APP_TOKEN=xapp-… -e SLACK_BOT_TOKEN=xoxb-… -v jobdesc-data:/data jobdesc
# GO_VERSION matches go.mod (a test in cmd/jobdesc keeps them in step); the
# build flags are the ones .ci/run uses, so CI builds exactly this binary.
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/jobdesc ./cmd/jobdesc \
 && mkdir -p /out/data

# distroless/static: no shell, CA certificates included, runs as nonroot (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jobdesc /usr/local/bin/jobdesc
COPY --from=build --chown=65532:65532 /out/data /data
ENV JOBDESC_DB_PATH=/data/jobdesc.db
VOLUME /data
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/jobdesc"]
