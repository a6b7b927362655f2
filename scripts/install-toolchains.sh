#!/usr/bin/env bash
# Installs, pinned, what the Go, Java and TypeScript clients need beyond the machine's Go, Java 17 +
# Maven and Node: the protoc plugins go into tools/bin/, downloads into the usual per-user caches
# (~/go/pkg/mod and ~/.cache/go-build, ~/.m2, ~/.npm), so a second run only checks versions.
#
#   bash scripts/install-toolchains.sh codegen   # what scripts/gen.sh needs (gen.sh runs this)
#   bash scripts/install-toolchains.sh           # codegen + grpcurl + the clients' test dependencies
#
# Bump a pin here together with its twin: PROTOC_GEN_GO with google.golang.org/protobuf in
# clients/go/go.mod, GRPC_JAVA with grpc.version in clients/java/pom.xml (checked below).
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO=v1.36.12       # google.golang.org/protobuf/cmd/protoc-gen-go
PROTOC_GEN_GO_GRPC=v1.6.2    # google.golang.org/grpc/cmd/protoc-gen-go-grpc
GRPCURL=v1.9.3               # github.com/fullstorydev/grpcurl/cmd/grpcurl
GRPC_JAVA=1.83.1             # io.grpc:protoc-gen-grpc-java, an executable on Maven Central (the newest
                             # published as one when pinned: 1.84.x and 1.85.x have no linux exe)
PROTOC=4.35.1                # com.google.protobuf:protoc: libprotoc 35.1, the one inside grpcio-tools
                             # 1.85.1 (pyproject.toml), so Java and Python come from the same compiler
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

what="${1:-all}"
BIN="$PWD/tools/bin"
mkdir -p "$BIN"
log() { echo "== $*" >&2; }
die() { echo "install-toolchains: $*" >&2; exit 1; }
# Maven prints colour codes even with -B -q: keep its output, and show it only when it fails.
mvn_quiet() {
  local out
  if ! out="$(mvn -B -q "$@" 2>&1)"; then echo "$out" | tail -n 40 >&2; die "mvn $* failed"; fi
}
for tool in go mvn npm; do command -v "$tool" >/dev/null || die "$tool not found on PATH"; done

grep -q "google.golang.org/protobuf $PROTOC_GEN_GO\$" clients/go/go.mod ||
  die "clients/go/go.mod must require google.golang.org/protobuf $PROTOC_GEN_GO (the protoc-gen-go pin)"
grep -q "<grpc.version>$GRPC_JAVA</grpc.version>" clients/java/pom.xml ||
  die "clients/java/pom.xml must set grpc.version $GRPC_JAVA (the protoc-gen-grpc-java pin)"

# go install into tools/bin unless the binary there was built from the pinned module version (read
# from the build info Go embeds: grpcurl built by go install does not know its own --version).
go_tool() {  # name package version
  local name="$1" package="$2" version="$3"
  if [[ -x "$BIN/$name" ]] && go version -m "$BIN/$name" | grep -qP "^\tmod\t\S+\t\Q$version\E\t"; then return; fi
  log "installing $name $version (go install)"
  GOBIN="$BIN" GOFLAGS=-mod=mod go install "$package@$version"
}

go_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO"
go_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC"

# Native executables published per platform on Maven Central: grpc-java's code generator, and protoc
# itself for Java messages (grpcio-tools' embedded protoc, used for Python, has no Java generator).
maven_exe() {  # name groupId:artifactId version
  local name="$1" artifact="$2" version="$3" arch tmp
  if [[ -x "$BIN/$name" && "$(cat "$BIN/$name.version" 2>/dev/null)" == "$version" ]]; then return; fi
  case "$(uname -m)" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch_64 ;;
    *) die "no $artifact build for $(uname -m)" ;;
  esac
  log "installing $name $version (Maven Central)"
  tmp="$(mktemp -d)"
  mvn_quiet "$MAVEN_DEPENDENCY_PLUGIN:copy" -Dartifact="$artifact:$version:exe:linux-$arch" -DoutputDirectory="$tmp"
  install -m 0755 "$tmp/${artifact#*:}-$version-linux-$arch.exe" "$BIN/$name"
  rm -rf "$tmp"
  echo "$version" > "$BIN/$name.version"
}

maven_exe protoc-gen-grpc-java io.grpc:protoc-gen-grpc-java "$GRPC_JAVA"
maven_exe protoc com.google.protobuf:protoc "$PROTOC"

# protoc-gen-es and the TypeScript runtime are pinned together in clients/ts/package-lock.json.
# `npm ci` reinstalls from scratch, so skip it while node_modules matches the lockfile.
if ! cmp -s clients/ts/package-lock.json clients/ts/node_modules/.package-lock.json.ci 2>/dev/null; then
  log "installing clients/ts dependencies (npm ci)"
  npm ci --prefix clients/ts --no-audit --no-fund --loglevel=error >&2
  cp clients/ts/package-lock.json clients/ts/node_modules/.package-lock.json.ci
fi

[[ "$what" == codegen ]] && exit 0

go_tool grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$GRPCURL"

# The clients' test dependencies, fetched and compiled now so that the tests only run.
log "fetching and building clients/go test dependencies"
(cd clients/go && go mod download && go test -count=1 -run '^$' ./... >/dev/null)
log "fetching and building clients/java test dependencies (Maven)"
# `test` with no test selected: surefire resolves its JUnit provider too, and runs nothing.
mvn_quiet -f clients/java/pom.xml test -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
