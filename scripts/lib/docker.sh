# Sourced: makes sure a Docker engine answers. With SWEGYM_INSTALL_DOCKER=1 (CI does this) it installs the engine
# from Debian's packages and starts it without a bridge network; otherwise it says exactly what to run.
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
docker_ok() { docker info >/dev/null 2>&1; }
# A dockerd that is already starting (the package's service, an earlier run) is waited for, not started twice.
dockerd_running() { [ -s /var/run/docker.pid ] && [ "$(cat "/proc/$(cat /var/run/docker.pid)/comm" 2>/dev/null)" = dockerd ]; }
start_dockerd() {
  if dockerd_running; then
    echo "swegym: waiting for the dockerd that is starting (pid $(cat /var/run/docker.pid))" >&2
  else
    echo "swegym: starting dockerd (log: /var/log/dockerd.log)" >&2
    nohup dockerd --bridge=none --iptables=false --ip-forward=false >/var/log/dockerd.log 2>&1 &
  fi
  # A first start on a slow fresh machine (new data root, storage driver probe) can take a while; it returns as soon
  # as the engine answers.
  for _ in $(seq 1 120); do docker_ok && return 0; sleep 1; done
  echo "swegym: dockerd did not answer within 120 s; see /var/log/dockerd.log" >&2; return 1
}
ensure_docker() {
  docker_ok && return 0
  if command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then start_dockerd && return 0; fi
  if [ "${SWEGYM_INSTALL_DOCKER:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then
    quietly "installing the Docker engine and debootstrap from Debian's packages" install-docker \
      apt_install docker.io debootstrap || return 1
    start_dockerd && return 0
  fi
  cat >&2 <<'MSG'
swegym: no Docker engine answers. Install and start one (as root, Debian/Ubuntu):

  apt-get update && apt-get install -y docker.io debootstrap
  nohup dockerd --bridge=none --iptables=false --ip-forward=false >/var/log/dockerd.log 2>&1 &

or rerun this script with SWEGYM_INSTALL_DOCKER=1 to do it for you. (Docker Desktop or any running engine works too.)
MSG
  return 1
}
ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ]; then
    quietly "installing debootstrap (builds the offline base image)" install-debootstrap apt_install debootstrap || true
  fi
  command -v debootstrap >/dev/null 2>&1 || echo "swegym: debootstrap is missing (apt-get install -y debootstrap); images can only be used, not built." >&2
}
