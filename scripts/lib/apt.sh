# Sourced: apt_install PKG... installs Debian packages (as root), robust on a fresh machine:
# - one `apt-get update` per shell (the package lists do not change within a run), not one per package;
# - apt retries each download 3 times and waits for the dpkg lock (a fresh VM may run unattended-upgrades at boot)
#   instead of failing at once;
# - when the install fails anyway (a mirror hiccup), the lists are fetched again and the install is tried once more.
# Costs nothing when everything works the first time.
APT_OPTS=(-qq -o Acquire::Retries=3 -o DPkg::Lock::Timeout=300)
apt_update() {
  apt-get "${APT_OPTS[@]}" update && SWEGYM_APT_UPDATED=1
}
apt_install() {
  [ "$#" -gt 0 ] || return 0
  if [ "${SWEGYM_APT_UPDATED:-0}" != 1 ]; then apt_update || { sleep 10; apt_update; } || return 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y "$@" && return 0
  echo "swegym: apt-get install $* failed; fetching the package lists again and retrying once" >&2
  sleep 10
  apt_update && DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y "$@"
}
