//! The one table of the RPCs ectl sends: each row is an RPC's gRPC path and the path etcd's
//! grpc-gateway serves it at (`--print-curl` prints that one). Facades send an RPC by its row,
//! so what the observers see comes from here and nowhere else.

/// One RPC of etcd's v3 API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rpc {
    /// The gRPC path, e.g. `/etcdserverpb.KV/Range`.
    pub path: &'static str,
    /// Where etcd 3.4's gateway serves it (its `google.api.http` annotation); `None` where
    /// 3.4 maps it to another RPC's path (HashKV shares Hash's).
    pub gateway: Option<&'static str>,
}

macro_rules! rpcs {
    ($($name:ident: $path:literal => $gateway:expr;)*) => {
        $(pub const $name: Rpc = Rpc { path: $path, gateway: $gateway };)*

        /// Every row, for tests that check the table against the embedded API.
        #[cfg(test)]
        pub const ALL: &[Rpc] = &[$($name),*];
    };
}

rpcs! {
    RANGE: "/etcdserverpb.KV/Range" => Some("/v3/kv/range");
    PUT: "/etcdserverpb.KV/Put" => Some("/v3/kv/put");
    DELETE_RANGE: "/etcdserverpb.KV/DeleteRange" => Some("/v3/kv/deleterange");
    TXN: "/etcdserverpb.KV/Txn" => Some("/v3/kv/txn");
    COMPACT: "/etcdserverpb.KV/Compact" => Some("/v3/kv/compaction");
    WATCH: "/etcdserverpb.Watch/Watch" => Some("/v3/watch");
    LEASE_GRANT: "/etcdserverpb.Lease/LeaseGrant" => Some("/v3/lease/grant");
    LEASE_REVOKE: "/etcdserverpb.Lease/LeaseRevoke" => Some("/v3/lease/revoke");
    LEASE_KEEP_ALIVE: "/etcdserverpb.Lease/LeaseKeepAlive" => Some("/v3/lease/keepalive");
    LEASE_TIME_TO_LIVE: "/etcdserverpb.Lease/LeaseTimeToLive" => Some("/v3/lease/timetolive");
    LEASE_LEASES: "/etcdserverpb.Lease/LeaseLeases" => Some("/v3/lease/leases");
    MEMBER_ADD: "/etcdserverpb.Cluster/MemberAdd" => Some("/v3/cluster/member/add");
    MEMBER_REMOVE: "/etcdserverpb.Cluster/MemberRemove" => Some("/v3/cluster/member/remove");
    MEMBER_UPDATE: "/etcdserverpb.Cluster/MemberUpdate" => Some("/v3/cluster/member/update");
    MEMBER_LIST: "/etcdserverpb.Cluster/MemberList" => Some("/v3/cluster/member/list");
    MEMBER_PROMOTE: "/etcdserverpb.Cluster/MemberPromote" => Some("/v3/cluster/member/promote");
    ALARM: "/etcdserverpb.Maintenance/Alarm" => Some("/v3/maintenance/alarm");
    STATUS: "/etcdserverpb.Maintenance/Status" => Some("/v3/maintenance/status");
    DEFRAGMENT: "/etcdserverpb.Maintenance/Defragment" => Some("/v3/maintenance/defragment");
    SNAPSHOT: "/etcdserverpb.Maintenance/Snapshot" => Some("/v3/maintenance/snapshot");
    MOVE_LEADER: "/etcdserverpb.Maintenance/MoveLeader" => Some("/v3/maintenance/transfer-leadership");
    AUTH_ENABLE: "/etcdserverpb.Auth/AuthEnable" => Some("/v3/auth/enable");
    AUTH_DISABLE: "/etcdserverpb.Auth/AuthDisable" => Some("/v3/auth/disable");
    AUTHENTICATE: "/etcdserverpb.Auth/Authenticate" => Some("/v3/auth/authenticate");
    USER_ADD: "/etcdserverpb.Auth/UserAdd" => Some("/v3/auth/user/add");
    USER_GET: "/etcdserverpb.Auth/UserGet" => Some("/v3/auth/user/get");
    USER_LIST: "/etcdserverpb.Auth/UserList" => Some("/v3/auth/user/list");
    USER_DELETE: "/etcdserverpb.Auth/UserDelete" => Some("/v3/auth/user/delete");
    USER_CHANGE_PASSWORD: "/etcdserverpb.Auth/UserChangePassword" => Some("/v3/auth/user/changepw");
    USER_GRANT_ROLE: "/etcdserverpb.Auth/UserGrantRole" => Some("/v3/auth/user/grant");
    USER_REVOKE_ROLE: "/etcdserverpb.Auth/UserRevokeRole" => Some("/v3/auth/user/revoke");
    ROLE_ADD: "/etcdserverpb.Auth/RoleAdd" => Some("/v3/auth/role/add");
    ROLE_GET: "/etcdserverpb.Auth/RoleGet" => Some("/v3/auth/role/get");
    ROLE_LIST: "/etcdserverpb.Auth/RoleList" => Some("/v3/auth/role/list");
    ROLE_DELETE: "/etcdserverpb.Auth/RoleDelete" => Some("/v3/auth/role/delete");
    ROLE_GRANT_PERMISSION: "/etcdserverpb.Auth/RoleGrantPermission" => Some("/v3/auth/role/grant");
    ROLE_REVOKE_PERMISSION: "/etcdserverpb.Auth/RoleRevokePermission" => Some("/v3/auth/role/revoke");
    LOCK: "/v3lockpb.Lock/Lock" => Some("/v3/lock/lock");
    UNLOCK: "/v3lockpb.Lock/Unlock" => Some("/v3/lock/unlock");
    CAMPAIGN: "/v3electionpb.Election/Campaign" => Some("/v3/election/campaign");
    OBSERVE: "/v3electionpb.Election/Observe" => Some("/v3/election/observe");
    RESIGN: "/v3electionpb.Election/Resign" => Some("/v3/election/resign");
    AUTH_STATUS: "/etcdserverpb.Auth/AuthStatus" => Some("/v3/auth/status");
    DOWNGRADE: "/etcdserverpb.Maintenance/Downgrade" => Some("/v3/maintenance/downgrade");
    HASH_KV: "/etcdserverpb.Maintenance/HashKV" => None;
}
