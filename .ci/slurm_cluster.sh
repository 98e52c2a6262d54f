#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for trying profiles/slurm and for CI
# (tests/test_slurm_cluster.py runs the README's "Trying the SLURM profile on one
# machine" block, which uses this script).
#
#   bash .ci/slurm_cluster.sh up       # start it; then: export SLURM_CONF=$PWD/.slurm/etc/slurm.conf
#   bash .ci/slurm_cluster.sh status   # the daemons' PIDs and the node state
#   bash .ci/slurm_cluster.sh down     # cancel its jobs, stop it by PID, remove its folder
#
# Debian 12 (SLURM 22.05), as root, without systemd or cgroups: munged, MariaDB,
# slurmdbd (accounting, so that `sacct` answers the executor plugin's status
# queries), slurmctld and slurmd are started by hand with every file in one
# folder ($SOCIALWORK_SLURM_DIR, default .slurm in the checkout, ignored by
# git; its sockets and PID files in a temporary folder linked as run/) and on
# their own ports (a system munge, MariaDB or
# SLURM is left alone); the configuration in /etc is not read. Process
# tracking is proctrack/linuxproc and task/none (no cgroups needed); memory
# is a consumable resource (select/cons_tres, CR_Core_Memory), so SLURM starts
# only the jobs whose --mem fits the node. Missing packages are installed with
# apt-get: slurmctld slurmd slurm-client munge slurmdbd mariadb-server.
#
# The cluster is "socialwork" with one partition "main" and one account
# "socialwork" (root is its user), which is what profiles/slurm's
# slurm_account and slurm_partition are set to in the README's block.
set -Eeuo pipefail

# absolute: slurm.conf and the daemons' options name it from any working directory
DIR=${SOCIALWORK_SLURM_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.slurm}
DIR=$(realpath -m "$DIR")
# sockets and PID files: $DIR/run, a link to a short folder in the system's
# temporary folder (a socket path holds at most 107 bytes, and munged wants every
# folder above its socket searchable by all, which a checkout's need not be)
RUN=$(readlink -m "$DIR/run")
PORT_BASE=${SOCIALWORK_SLURM_PORT_BASE:-16810}
CLUSTER=socialwork
PARTITION=main
ACCOUNT=socialwork
NODE=swnode
PACKAGES=(slurmctld slurmd slurm-client munge slurmdbd mariadb-server)
# daemons in start order; down stops them in reverse
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd)
# Where srun inside a job finds the configuration. The job step of
# snakemake-executor-plugin-slurm-jobstep (0.6.1) removes every SLURM_*
# variable but the job's identity, SLURM_CONF included, before it calls srun;
# srun then reads /etc/slurm/slurm.conf or, failing that, the folder a
# configless slurmd links at /run/slurm/conf. This script links that folder to
# its own etc/ (and removes the link at down).
RUN_CONF=/run/slurm/conf

log() { echo "slurm_cluster: $*" >&2; }
on_error() {
  show_logs
  log "ERROR: line $1 failed (exit $2): $3 (stop what started with: $0 down)"
}
die() {
  log "ERROR: $*"
  exit 1
}

pid_file() { echo "$DIR/run/$1.pid"; }

running_pid() { # the PID of a daemon if its PID file names a live process
  local file
  file=$(pid_file "$1")
  [ -s "$file" ] || return 1
  local pid
  pid=$(tr -dc '0-9' <"$file")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

show_logs() {
  local file
  for file in "$DIR"/log/*.log; do
    [ -f "$file" ] || continue
    echo "----- $file (last 15 lines)" >&2
    tail -n 15 "$file" >&2
  done
}

wait_for() { # wait_for SECONDS WHAT COMMAND...: poll every 0.2 s (COMMAND bounds its own time)
  local seconds=$1 what=$2
  local deadline=$((SECONDS + seconds))
  shift 2
  while ! "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_logs
      die "$what did not come up within ${seconds} s (logs above; stop it with: $0 down)"
    fi
    sleep 0.2
  done
}

install_packages() {
  local missing=()
  command -v slurmctld >/dev/null || missing+=(slurmctld)
  command -v slurmd >/dev/null || missing+=(slurmd)
  command -v sbatch >/dev/null || missing+=(slurm-client)
  command -v munged >/dev/null || missing+=(munge)
  command -v slurmdbd >/dev/null || missing+=(slurmdbd)
  command -v mariadbd >/dev/null || missing+=(mariadb-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them (Debian 12: ${PACKAGES[*]})"
  log "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # the packages' postinst scripts may start system services; this cluster
  # does not use them (own sockets, ports and configuration)
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

write_configs() {
  local host=$1 node_line=$2 db_password=$3
  cat >"$DIR/etc/slurm.conf" <<EOF
# one-node test cluster written by .ci/slurm_cluster.sh
ClusterName=$CLUSTER
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$((PORT_BASE + 7))
SlurmdPort=$((PORT_BASE + 8))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$RUN/munge.socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$(pid_file slurmctld)
SlurmdPidFile=$(pid_file slurmd)
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$((PORT_BASE + 9))
# the munge socket for messages to slurmdbd (AuthInfo is not used for them)
AccountingStoragePass=socket=$RUN/munge.socket
AccountingStorageEnforce=associations
JobCompType=jobcomp/none
# sacct shows the plugin's --comment (rule_<rule>_wildcards_<values>)
AccountingStoreFlags=job_comment
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
PropagateResourceLimits=NONE
ReturnToService=2
MailProg=/bin/true
KillWait=5
$node_line
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  cat >"$DIR/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$RUN/munge.socket
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$((PORT_BASE + 9))
SlurmUser=root
PidFile=$(pid_file slurmdbd)
LogFile=$DIR/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$((PORT_BASE + 6))
StorageUser=slurm
StoragePass=$db_password
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$DIR/etc/slurmdbd.conf"
}

node_state() { timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null; }
node_idle() { [ "$(node_state)" = idle ]; }
munge_works() { timeout 5 munge -n -S "$RUN/munge.socket" | unmunge -S "$RUN/munge.socket"; }
sql() { mariadb --no-defaults -S "$RUN/mysqld.sock" -u root -e "$1"; }

print_env() { # how the clients (sbatch, squeue, sacct, snakemake) find this cluster
  log "clients: export SLURM_CONF=$DIR/etc/slurm.conf"
}

up() {
  [ "$(id -u)" -eq 0 ] || die "run as root (the daemons run as root; CI runs as root)"
  export SLURM_CONF="$DIR/etc/slurm.conf"
  if running_pid slurmctld >/dev/null && running_pid slurmd >/dev/null; then
    log "already up ($DIR)"
    print_env
    return 0
  fi
  [ ! -e "$DIR" ] || die "$DIR exists but the cluster is not running: $0 down first"
  [ ! -e /etc/slurm/slurm.conf ] ||
    die "/etc/slurm/slurm.conf exists: this machine has its own SLURM, which srun inside the jobs would use; use that cluster"
  [ ! -e "$RUN_CONF" ] && [ ! -L "$RUN_CONF" ] ||
    die "$RUN_CONF exists (a configless slurmd, or another test cluster): srun inside the jobs would read it"
  install_packages
  local started=$SECONDS
  # the munge socket's folder must be reachable by clients and not writable by others
  mkdir -p "$DIR"/{etc,log,state,spool,db}
  ln -s "$(mktemp -d "${TMPDIR:-/tmp}/socialwork-slurm.XXXXXX")" "$DIR/run"
  RUN=$(readlink -f "$DIR/run")
  chmod 711 "$DIR" "$RUN"
  chmod 700 "$DIR"/{etc,log,state,spool,db}

  local host node_line db_password
  host=$(hostname -s)
  # the node as slurmd sees it (CPUs, sockets, cores, threads, memory)
  node_line=$(slurmd -C | head -n 1 | sed "s/^NodeName=[^ ]*/NodeName=$NODE NodeHostname=$host NodeAddr=127.0.0.1/")
  case $node_line in NodeName=$NODE*RealMemory=*) ;; *) die "slurmd -C gave no node line: $node_line" ;; esac
  node_line="$node_line State=UNKNOWN"
  db_password=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
  write_configs "$host" "$node_line" "$db_password"
  mkdir -p "$(dirname "$RUN_CONF")"
  ln -s "$DIR/etc" "$RUN_CONF"

  # munge: authentication of every SLURM message
  mungekey -c -k "$DIR/etc/munge.key"
  munged --key-file="$DIR/etc/munge.key" --socket="$RUN/munge.socket" \
    --pid-file="$(pid_file munged)" --log-file="$DIR/log/munged.log" \
    --seed-file="$DIR/state/munged.seed" </dev/null >>"$DIR/log/munged.log" 2>&1
  wait_for 10 munged munge_works

  # MariaDB for slurmdbd, on its own socket and port
  mariadb-install-db --no-defaults --user=root --datadir="$DIR/db/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$DIR/log/mariadb-install.log" 2>&1 ||
    {
      show_logs
      die "mariadb-install-db failed"
    }
  setsid mariadbd --no-defaults --user=root --datadir="$DIR/db/data" \
    --socket="$RUN/mysqld.sock" --port=$((PORT_BASE + 6)) --bind-address=127.0.0.1 \
    --pid-file="$(pid_file mariadbd)" --log-error="$DIR/log/mariadbd.log" --skip-log-bin \
    --innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=900 \
    </dev/null >>"$DIR/log/mariadbd.log" 2>&1 &
  wait_for 30 MariaDB timeout 5 mariadb-admin --no-defaults -S "$RUN/mysqld.sock" ping
  sql "CREATE USER 'slurm'@'localhost' IDENTIFIED BY '$db_password';
       CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$db_password';
       GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
       GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"

  # accounting daemon, then the cluster, its account and user
  # (slurmdbd reads slurmdbd.conf from the folder of $SLURM_CONF)
  slurmdbd >>"$DIR/log/slurmdbd.log" 2>&1 </dev/null
  wait_for 30 slurmdbd timeout 5 sacctmgr -n list cluster
  sacctmgr -i add cluster "$CLUSTER" >/dev/null
  sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description=tests Organization=tests >/dev/null
  sacctmgr -i add user root Account="$ACCOUNT" DefaultAccount="$ACCOUNT" Cluster="$CLUSTER" >/dev/null

  # controller and the one compute node
  slurmctld -f "$SLURM_CONF" >>"$DIR/log/slurmctld.log" 2>&1 </dev/null
  wait_for 30 slurmctld timeout 5 scontrol ping
  slurmd -f "$SLURM_CONF" -N "$NODE" >>"$DIR/log/slurmd.log" 2>&1 </dev/null
  wait_for 60 "node $NODE (idle)" node_idle
  log "up in $((SECONDS - started)) s: cluster $CLUSTER, partition $PARTITION, account $ACCOUNT," \
    "node $(echo "$node_line" | grep -o 'CPUs=[0-9]*') $(echo "$node_line" | grep -o 'RealMemory=[0-9]*') ($DIR)"
  print_env
}

status() {
  export SLURM_CONF="$DIR/etc/slurm.conf"
  local daemon pid
  for daemon in "${DAEMONS[@]}"; do
    if pid=$(running_pid "$daemon"); then echo "$daemon $pid"; else echo "$daemon down"; fi
  done
  if running_pid slurmctld >/dev/null; then
    sinfo -N -o "%N %T %c %m"
    squeue
  fi
}

stop_pid() { # stop_pid NAME: TERM, wait up to 15 s, then KILL
  local pid
  pid=$(running_pid "$1") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local tries=75
  while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
    sleep 0.2
    tries=$((tries - 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$1 ($pid) did not stop on TERM: KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  log "stopped $1 ($pid)"
}

down() {
  export SLURM_CONF="$DIR/etc/slurm.conf"
  [ -e "$DIR" ] || {
    log "not up ($DIR does not exist)"
    return 0
  }
  if running_pid slurmctld >/dev/null; then
    # the cluster's own jobs only (this controller); wait until none is left
    scancel --cluster="$CLUSTER" --user=root 2>/dev/null || true
    local tries=100
    while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ "$tries" -gt 0 ]; do
      sleep 0.2
      tries=$((tries - 1))
    done
  fi
  local i
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
    stop_pid "${DAEMONS[i]}"
  done
  if [ "$(readlink "$RUN_CONF" 2>/dev/null)" = "$DIR/etc" ]; then
    rm -f "$RUN_CONF"
    rmdir "$(dirname "$RUN_CONF")" 2>/dev/null || true
  fi
  [ ! -L "$DIR/run" ] || rm -rf "$RUN"
  rm -rf "$DIR"
  log "down ($DIR, $RUN and the link $RUN_CONF removed)"
}

trap 'on_error $LINENO $? "$BASH_COMMAND"' ERR

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *)
    echo "usage: $0 up|status|down   (folder: \$SOCIALWORK_SLURM_DIR, default .slurm in the checkout)" >&2
    exit 2
    ;;
esac
