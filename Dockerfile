# syntax=docker/dockerfile:1
# Multi-stage build: compile with cgo (the SQLite driver is C), then copy the
# one binary onto a small Debian base that has the C library and time zones.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/slatrack ./cmd/slatrack

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/slatrack --create-home slatrack
COPY --from=build /out/slatrack /usr/local/bin/slatrack
COPY config/slatrack.toml /etc/slatrack/slatrack.toml
USER slatrack
WORKDIR /var/lib/slatrack
ENV SLATRACK_SERVER_ADDR=0.0.0.0:8080 \
    SLATRACK_DATABASE_DSN=sqlite:/var/lib/slatrack/data/slatrack.db
VOLUME ["/var/lib/slatrack/data"]
# Health: GET /healthz (liveness) and /readyz (database) on port 8080.
EXPOSE 8080
ENTRYPOINT ["slatrack"]
CMD ["serve", "--config", "/etc/slatrack/slatrack.toml"]
