"""The inventory a host scan collects: what each service puts in ``Inventory.data[service]``.

The collectors build these and the checks read them.  At run time they are plain dicts
(the inventory is stored as JSON); the types are for readers and the type checker.
Paths are the host's own (``/etc/...``), whatever root the files are read under.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict


class Collected(TypedDict, total=False):
    # When the service was read (ISO 8601, UTC); the connector stamps it on every service it collects.
    collected_at: str


# --- sshd ---------------------------------------------------------------------------------


class SshdSetting(TypedDict):
    """The directive in effect for a keyword (sshd keeps the first value it reads)."""

    value: str
    file: str
    line: int
    # The Match criteria the directive is conditional on; absent when global.
    match: NotRequired[str]


class SshdOverride(SshdSetting):
    """A directive inside a Match block, which overrides the global value for some connections."""

    keyword: str


class SshdResolved(TypedDict):
    """What the sshd configuration files say, includes and Match blocks resolved."""

    # lower-case keyword -> what is in effect
    settings: dict[str, SshdSetting]
    overrides: list[SshdOverride]
    files: list[str]


class Sshd(Collected):
    """``data["sshd"]``: the effective sshd configuration; only the two first keys when sshd is not installed."""

    installed: bool
    config_path: str
    # lower-case keyword -> what is in effect
    settings: NotRequired[dict[str, SshdSetting]]
    overrides: NotRequired[list[SshdOverride]]
    files: NotRequired[list[str]]


# --- accounts -------------------------------------------------------------------------------


class PasswdEntry(TypedDict):
    """An /etc/passwd row (the password field is never kept)."""

    name: str
    uid: int
    gid: int | None
    home: str
    shell: str
    line: int


class ShadowEntry(TypedDict):
    """An /etc/shadow row reduced to the password's state and its maximum age."""

    name: str
    password: Literal["empty", "locked", "set"]
    max_days: str
    # The day of the last password change, in days since 1970-01-01 as written ("" when empty; absent from
    # inventories of before).
    last_change: NotRequired[str]
    line: int


class FileInfo(TypedDict):
    """One account file's ownership and mode; only ``exists`` and ``path`` when it does not exist."""

    exists: bool
    path: str
    kind: NotRequired[str]
    # "0640"
    mode: NotRequired[str]
    uid: NotRequired[int]
    gid: NotRequired[int]
    owner: NotRequired[str]
    group: NotRequired[str]


class Accounts(Collected):
    """``data["accounts"]``; ``shadow`` is None (and ``shadow_error`` says why) when /etc/shadow could not be read."""

    users: list[PasswdEntry]
    # group name -> gid
    groups: dict[str, int]
    # group name -> the users /etc/group lists as its supplementary members (absent from inventories of before)
    members: NotRequired[dict[str, list[str]]]
    files: dict[str, FileInfo]
    shadow: list[ShadowEntry] | None
    shadow_error: str


class LastLogin(TypedDict):
    """A user's most recent login, as the host's login records keep it."""

    # ISO 8601, UTC
    at: str
    # The terminal ("pts/0", "tty1"), and the remote host for a network login ("" for a local one).
    line: str
    host: str
    # The file it was read from.
    source: str


class Logins(Collected):
    """``data["logins"]``: each local user's last login from lastlog (/var/log/lastlog) and lastlog2's database
    (/var/lib/lastlog/lastlog2.db), the later of the two; a user missing from ``last`` never logged in, as far as
    the files that were found say."""

    # The login record files found ([] when the host keeps neither: then nothing is known of anyone's logins).
    sources: list[str]
    last: dict[str, LastLogin]
    # Login record files that could not be read or understood, with the reason.
    unreadable: dict[str, str]


class AuthorizedKey(TypedDict):
    """A public key an authorized_keys file accepts, reduced to what identifies it (the key itself is not kept)."""

    # "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "sk-ssh-ed25519@openssh.com", "...-cert-v01@openssh.com"
    type: str
    # The key's size: the RSA or DSA modulus, the curve's; 0 when unknown.
    bits: int
    # As ssh-keygen -l prints it: "SHA256:" and the unpadded base64 of the key's SHA-256.
    fingerprint: str
    comment: str
    # Options as written before the key: 'from="10.0.0.0/8"', 'command="/usr/bin/backup"', "restrict".
    options: list[str]
    file: str
    line: int


class InvalidKeyLine(TypedDict):
    file: str
    line: int
    reason: str


class SshKeys(Collected):
    """``data["ssh_keys"]``: the keys in each user's authorized_keys files (where sshd's AuthorizedKeysFile
    says, %h and %u expanded), for users with a login shell; nothing is read without an SSH server."""

    # Whether /etc/ssh/sshd_config exists.
    installed: bool
    # The AuthorizedKeysFile patterns in effect ("sshd default" when the configuration does not set it).
    patterns: list[str]
    source: str
    # user name -> the keys that let someone in as that user
    keys: dict[str, list[AuthorizedKey]]
    invalid: list[InvalidKeyLine]
    # path -> why it could not be read
    unreadable: dict[str, str]


class PamRule(TypedDict):
    """A module of a PAM stack, includes resolved: where it was written and its arguments."""

    module: str
    control: str
    args: list[str]
    file: str
    line: int


class PamSetting(TypedDict):
    value: str
    file: str


class Pam(Collected):
    """``data["pam"]``: the PAM stacks that judge passwords and logins, includes resolved, and the module
    configuration files they read; ``present`` is False on a host without /etc/pam.d (then nothing else)."""

    present: bool
    # service ("passwd", "sshd", "login") -> rule type ("password", "auth") -> its rules in order; a service
    # without its /etc/pam.d file is left out.
    stacks: NotRequired[dict[str, dict[str, list[PamRule]]]]
    # /etc/security/pwquality.conf and pwquality.conf.d/*.conf (a later file wins), faillock.conf.
    pwquality: NotRequired[dict[str, PamSetting]]
    faillock: NotRequired[dict[str, PamSetting]]
    # login.defs' ENCRYPT_METHOD, which pam_unix uses when its own arguments name no algorithm ("" when unset).
    encrypt_method: NotRequired[str]


class TimeSync(Collected):
    """``data["timesync"]``: the time synchronisation daemons installed, each with whether it is enabled and the
    servers its configuration names."""

    systemd: bool
    # "chrony", "systemd-timesyncd", "ntpd" -> {"enabled": bool | None, "servers": [...], "config": path}
    daemons: dict[str, dict[str, Any]]


class Integrity(Collected):
    """``data["integrity"]``: AIDE, the file integrity checker: installed, initialised, scheduled."""

    installed: bool
    config: str
    database: str
    # How it runs by itself: "dailyaidecheck.timer", "/etc/cron.daily/aide"... ([] when it does not).
    scheduled: list[str]
    systemd: bool


class LoginDefs(Collected):
    """``data["login_defs"]``: /etc/login.defs' values (keys as written, e.g. PASS_MAX_DAYS)."""

    path: str
    present: bool
    values: dict[str, str]


# --- sudo -----------------------------------------------------------------------------------


class SudoDefault(TypedDict):
    """One parameter of a ``Defaults`` line, in the order sudo reads them (a later one wins)."""

    # "" for a global Defaults line, else its binding as written: "@host", ":user", "!command" or ">runas".
    scope: str
    name: str
    # "" for a flag (set, or cleared with !), else "=", "+=" or "-=".
    op: str
    value: str
    negated: bool
    file: str
    line: int


class SudoCommand(TypedDict):
    """One command of a rule, with the run-as list and the tags in effect for it."""

    command: str
    # The run-as list in parentheses as written ("ALL:ALL"); "" when the rule gives none (then root).
    runas: str
    # The tags in effect, e.g. ["NOPASSWD"]; an opposite tag later in the rule replaces an earlier one.
    tags: list[str]
    # "!/usr/bin/su": the command is taken away again.
    negated: bool


class SudoRule(TypedDict):
    """A user specification: who may run which commands on which hosts."""

    # As written: user names, %group, #uid, %#gid, User_Alias names, ALL; "!" negates an entry.
    users: list[str]
    hosts: list[str]
    commands: list[SudoCommand]
    file: str
    line: int


class SudoFile(TypedDict):
    """A sudoers file or the directory of an @includedir: who owns it and its mode."""

    path: str
    kind: str
    mode: str
    uid: int
    gid: int


class Sudo(Collected):
    """``data["sudo"]``: /etc/sudoers with every file it includes, in sudo's reading order; only the first two
    keys when sudo is not installed (no /etc/sudoers)."""

    installed: bool
    path: str
    # The sudo package's version from dpkg's or apk's database ("1.9.13p3-1+deb12u1"); "" when unknown.
    version: NotRequired[str]
    files: NotRequired[list[SudoFile]]
    defaults: NotRequired[list[SudoDefault]]
    # "User_Alias" -> alias name -> its members as written (Cmd_Alias is stored as Cmnd_Alias).
    aliases: NotRequired[dict[str, dict[str, list[str]]]]
    rules: NotRequired[list[SudoRule]]


# --- system ---------------------------------------------------------------------------------


class SavedRules(TypedDict):
    """What saved firewall rules there are: how many, whether a chain drops by default, in which files."""

    rules: int
    drop_policy: bool
    files: list[str]


class RuleFiles(SavedRules):
    """A firewall's saved rules and whether the unit that loads them at boot is enabled."""

    # Whether its systemd unit is enabled; None without systemd.
    enabled: bool | None


class Presence(TypedDict):
    present: bool
    enabled: bool | None


class Firewall(Collected):
    """``data["firewall"]``."""

    systemd: bool
    nftables: RuleFiles
    iptables: RuleFiles
    ufw: Presence
    firewalld: Presence


class AptUpdates(TypedDict):
    files: list[str]
    # APT::Periodic values as configured ("1" is on); None when not set.
    unattended_upgrade: str | None
    update_package_lists: str | None
    unattended_upgrades_installed: bool


class DnfUpdates(TypedDict):
    """dnf-automatic's (or yum-cron's) configuration and whether its timer is enabled."""

    path: str
    apply_updates: str
    upgrade_type: str
    timer_enabled: bool | None
    install_timer_enabled: bool | None


class Updates(Collected):
    """``data["updates"]``: each package manager's automatic updates, present only where it is configured."""

    systemd: bool
    apt: NotRequired[AptUpdates]
    dnf: NotRequired[DnfUpdates]
    yum: NotRequired[DnfUpdates]


class Audit(Collected):
    """``data["audit"]``; ``rules`` is None when the rule files could not be read."""

    config_present: bool
    binary_present: bool
    systemd: bool
    enabled: bool | None
    rules: int | None


class Sysctl(Collected):
    """``data["sysctl"]``: the kernel settings configured to apply at boot, and the file each comes from."""

    values: dict[str, str]
    origin: dict[str, str]
    files: list[str]


class LimitEntry(TypedDict):
    domain: str
    type: str
    item: str
    value: str
    file: str
    line: int


class Limits(Collected):
    """``data["limits"]``: the ``core`` entries of limits.conf and limits.d."""

    core: list[LimitEntry]
    files: list[str]


class WorldWritable(TypedDict):
    path: str
    mode: str
    kind: str


class Filesystem(Collected):
    """``data["filesystem"]``: /tmp's mode and the world-writable files under the system directories."""

    # {"exists": False}, or its kind, mode, and whether it is sticky and world-writable.
    tmp: dict[str, Any]
    walked: list[str]
    scanned: int
    truncated: bool
    world_writable: list[WorldWritable]
    world_writable_count: int
    unreadable: list[str]
