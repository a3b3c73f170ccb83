//! The one table of the RPCs ectl sends. Each row is an RPC's gRPC path and the path etcd's
//! grpc-gateway serves it at (`--print-curl` prints that one); a unary RPC's row also declares
//! its [`Client`] method: the arguments it takes, the request built from them, whether the
//! request may be sent again to another member once one received it, and the generated
//! service client that sends it. Streams (watch, keep-alive, observe, snapshot) and
//! `Authenticate` (sent by the core itself) have a path only; their code uses the row.
//!
//! Adding an RPC is one row here, so what the observers see and how a failure is retried come
//! from this table and nowhere else.

use super::{Client, Error, Retry};
use crate::pb::etcdserverpb::auth_client::AuthClient;
use crate::pb::etcdserverpb::cluster_client::ClusterClient;
use crate::pb::etcdserverpb::kv_client::KvClient;
use crate::pb::etcdserverpb::lease_client::LeaseClient;
use crate::pb::etcdserverpb::maintenance_client::MaintenanceClient;
use crate::pb::etcdserverpb::*;
use crate::pb::v3electionpb::election_client::ElectionClient;
use crate::pb::v3electionpb::{
    CampaignRequest, CampaignResponse, LeaderKey, ResignRequest, ResignResponse,
};
use crate::pb::v3lockpb::lock_client::LockClient;
use crate::pb::v3lockpb::{LockRequest, LockResponse, UnlockRequest, UnlockResponse};

/// One RPC of etcd's v3 API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rpc {
    /// The gRPC path, e.g. `/etcdserverpb.KV/Range`.
    pub path: &'static str,
    /// Where etcd 3.4's gateway serves it (its `google.api.http` annotation); `None` where
    /// 3.4 maps it to another RPC's path (HashKV shares Hash's).
    pub gateway: Option<&'static str>,
}

/// A generated service client on `grpc`'s channel, held to the configured message sizes.
macro_rules! service {
    ($client:ident, $grpc:expr) => {{
        let grpc = $grpc;
        $client::new(grpc.channel)
            .max_encoding_message_size(grpc.max_request_bytes)
            .max_decoding_message_size(grpc.max_recv_bytes)
    }};
}
pub(crate) use service;

macro_rules! rpcs {
    ($(
        $name:ident: $path:literal => $gateway:expr
        $(, $retry:ident $method:ident($($arg:ident: $ty:ty),*) -> $resp:ty
            = $client:ident($request:expr))?;
    )*) => {
        $(pub const $name: Rpc = Rpc { path: $path, gateway: $gateway };)*

        /// Every row, for tests that check the table against the embedded API.
        #[cfg(test)]
        pub const ALL: &[Rpc] = &[$($name),*];

        impl Client {
            $($(
                pub async fn $method(&self, $($arg: $ty),*) -> Result<$resp, Error> {
                    rpcs!(@send $retry, self, $name, $request, |g, r| async move {
                        service!($client, g).$method(r).await
                    })
                }
            )?)*
        }
    };
    // A request that may wait for as long as it takes (a lock, a campaign).
    (@send Waiting, $client:expr, $rpc:expr, $request:expr, $send:expr) => {
        $client.waiting($rpc, $request, $send).await
    };
    (@send $retry:ident, $client:expr, $rpc:expr, $request:expr, $send:expr) => {
        $client.unary($rpc, Retry::$retry, $request, $send).await
    };
}

// Safe: sending it again to another member after one received it does no harm (a read, or a
// change that is the same when applied twice). Unsafe: never sent again once it may have
// reached a member, since applying it twice is not applying it once.
rpcs! {
    // Its method is in kv.rs: a linearizable read asks for a member with a leader.
    RANGE: "/etcdserverpb.KV/Range" => Some("/v3/kv/range");
    PUT: "/etcdserverpb.KV/Put" => Some("/v3/kv/put"),
        Unsafe put(request: PutRequest) -> PutResponse = KvClient(request);
    DELETE_RANGE: "/etcdserverpb.KV/DeleteRange" => Some("/v3/kv/deleterange"),
        Unsafe delete_range(request: DeleteRangeRequest) -> DeleteRangeResponse = KvClient(request);
    // A txn with only reads in every branch could be resent, but telling them apart is not
    // worth the risk of repeating a write.
    TXN: "/etcdserverpb.KV/Txn" => Some("/v3/kv/txn"),
        Unsafe txn(request: TxnRequest) -> TxnResponse = KvClient(request);
    // Compacting twice at one revision is refused harmlessly.
    COMPACT: "/etcdserverpb.KV/Compact" => Some("/v3/kv/compaction"),
        Safe compact(request: CompactionRequest) -> CompactionResponse = KvClient(request);
    WATCH: "/etcdserverpb.Watch/Watch" => Some("/v3/watch");
    // Each grant makes a new lease.
    LEASE_GRANT: "/etcdserverpb.Lease/LeaseGrant" => Some("/v3/lease/grant"),
        Unsafe lease_grant(ttl: i64) -> LeaseGrantResponse
            = LeaseClient(LeaseGrantRequest { ttl, id: 0 });
    // A repeated revoke would fail with "lease not found" after the first one succeeded.
    LEASE_REVOKE: "/etcdserverpb.Lease/LeaseRevoke" => Some("/v3/lease/revoke"),
        Unsafe lease_revoke(id: i64) -> LeaseRevokeResponse = LeaseClient(LeaseRevokeRequest { id });
    LEASE_KEEP_ALIVE: "/etcdserverpb.Lease/LeaseKeepAlive" => Some("/v3/lease/keepalive");
    LEASE_TIME_TO_LIVE: "/etcdserverpb.Lease/LeaseTimeToLive" => Some("/v3/lease/timetolive"),
        Safe lease_time_to_live(id: i64, keys: bool) -> LeaseTimeToLiveResponse
            = LeaseClient(LeaseTimeToLiveRequest { id, keys });
    LEASE_LEASES: "/etcdserverpb.Lease/LeaseLeases" => Some("/v3/lease/leases"),
        Safe lease_leases() -> LeaseLeasesResponse = LeaseClient(LeaseLeasesRequest {});
    MEMBER_ADD: "/etcdserverpb.Cluster/MemberAdd" => Some("/v3/cluster/member/add"),
        Unsafe member_add(request: MemberAddRequest) -> MemberAddResponse = ClusterClient(request);
    MEMBER_REMOVE: "/etcdserverpb.Cluster/MemberRemove" => Some("/v3/cluster/member/remove"),
        Unsafe member_remove(id: u64) -> MemberRemoveResponse
            = ClusterClient(MemberRemoveRequest { id });
    // Setting the same peer URLs twice has the same effect as once.
    MEMBER_UPDATE: "/etcdserverpb.Cluster/MemberUpdate" => Some("/v3/cluster/member/update"),
        Safe member_update(request: MemberUpdateRequest) -> MemberUpdateResponse
            = ClusterClient(request);
    MEMBER_LIST: "/etcdserverpb.Cluster/MemberList" => Some("/v3/cluster/member/list"),
        Safe member_list(request: MemberListRequest) -> MemberListResponse = ClusterClient(request);
    MEMBER_PROMOTE: "/etcdserverpb.Cluster/MemberPromote" => Some("/v3/cluster/member/promote"),
        Unsafe member_promote(id: u64) -> MemberPromoteResponse
            = ClusterClient(MemberPromoteRequest { id });
    // Listing and disarming alarms are both safe to repeat.
    ALARM: "/etcdserverpb.Maintenance/Alarm" => Some("/v3/maintenance/alarm"),
        Safe alarm(request: AlarmRequest) -> AlarmResponse = MaintenanceClient(request);
    STATUS: "/etcdserverpb.Maintenance/Status" => Some("/v3/maintenance/status"),
        Safe status() -> StatusResponse = MaintenanceClient(StatusRequest::default());
    DEFRAGMENT: "/etcdserverpb.Maintenance/Defragment" => Some("/v3/maintenance/defragment"),
        Unsafe defragment() -> DefragmentResponse = MaintenanceClient(DefragmentRequest::default());
    SNAPSHOT: "/etcdserverpb.Maintenance/Snapshot" => Some("/v3/maintenance/snapshot");
    MOVE_LEADER: "/etcdserverpb.Maintenance/MoveLeader" => Some("/v3/maintenance/transfer-leadership"),
        Unsafe move_leader(target_id: u64) -> MoveLeaderResponse
            = MaintenanceClient(MoveLeaderRequest { target_id });
    // Enabling or disabling twice is harmless.
    AUTH_ENABLE: "/etcdserverpb.Auth/AuthEnable" => Some("/v3/auth/enable"),
        Safe auth_enable(request: AuthEnableRequest) -> AuthEnableResponse = AuthClient(request);
    AUTH_DISABLE: "/etcdserverpb.Auth/AuthDisable" => Some("/v3/auth/disable"),
        Safe auth_disable(request: AuthDisableRequest) -> AuthDisableResponse = AuthClient(request);
    AUTHENTICATE: "/etcdserverpb.Auth/Authenticate" => Some("/v3/auth/authenticate");
    USER_ADD: "/etcdserverpb.Auth/UserAdd" => Some("/v3/auth/user/add"),
        Unsafe user_add(request: AuthUserAddRequest) -> AuthUserAddResponse = AuthClient(request);
    USER_GET: "/etcdserverpb.Auth/UserGet" => Some("/v3/auth/user/get"),
        Safe user_get(request: AuthUserGetRequest) -> AuthUserGetResponse = AuthClient(request);
    USER_LIST: "/etcdserverpb.Auth/UserList" => Some("/v3/auth/user/list"),
        Safe user_list(request: AuthUserListRequest) -> AuthUserListResponse = AuthClient(request);
    USER_DELETE: "/etcdserverpb.Auth/UserDelete" => Some("/v3/auth/user/delete"),
        Unsafe user_delete(request: AuthUserDeleteRequest) -> AuthUserDeleteResponse
            = AuthClient(request);
    USER_CHANGE_PASSWORD: "/etcdserverpb.Auth/UserChangePassword" => Some("/v3/auth/user/changepw"),
        Unsafe user_change_password(request: AuthUserChangePasswordRequest)
            -> AuthUserChangePasswordResponse = AuthClient(request);
    USER_GRANT_ROLE: "/etcdserverpb.Auth/UserGrantRole" => Some("/v3/auth/user/grant"),
        Unsafe user_grant_role(request: AuthUserGrantRoleRequest) -> AuthUserGrantRoleResponse
            = AuthClient(request);
    USER_REVOKE_ROLE: "/etcdserverpb.Auth/UserRevokeRole" => Some("/v3/auth/user/revoke"),
        Unsafe user_revoke_role(request: AuthUserRevokeRoleRequest) -> AuthUserRevokeRoleResponse
            = AuthClient(request);
    ROLE_ADD: "/etcdserverpb.Auth/RoleAdd" => Some("/v3/auth/role/add"),
        Unsafe role_add(request: AuthRoleAddRequest) -> AuthRoleAddResponse = AuthClient(request);
    ROLE_GET: "/etcdserverpb.Auth/RoleGet" => Some("/v3/auth/role/get"),
        Safe role_get(request: AuthRoleGetRequest) -> AuthRoleGetResponse = AuthClient(request);
    ROLE_LIST: "/etcdserverpb.Auth/RoleList" => Some("/v3/auth/role/list"),
        Safe role_list(request: AuthRoleListRequest) -> AuthRoleListResponse = AuthClient(request);
    ROLE_DELETE: "/etcdserverpb.Auth/RoleDelete" => Some("/v3/auth/role/delete"),
        Unsafe role_delete(request: AuthRoleDeleteRequest) -> AuthRoleDeleteResponse
            = AuthClient(request);
    ROLE_GRANT_PERMISSION: "/etcdserverpb.Auth/RoleGrantPermission" => Some("/v3/auth/role/grant"),
        Unsafe role_grant_permission(request: AuthRoleGrantPermissionRequest)
            -> AuthRoleGrantPermissionResponse = AuthClient(request);
    ROLE_REVOKE_PERMISSION: "/etcdserverpb.Auth/RoleRevokePermission" => Some("/v3/auth/role/revoke"),
        Unsafe role_revoke_permission(request: AuthRoleRevokePermissionRequest)
            -> AuthRoleRevokePermissionResponse = AuthClient(request);
    // Waits until the lock `name` is held with `lease`; the answer names the holder key.
    LOCK: "/v3lockpb.Lock/Lock" => Some("/v3/lock/lock"),
        Waiting lock(name: Vec<u8>, lease: i64) -> LockResponse
            = LockClient(LockRequest { name, lease });
    // Deleting the holder key twice is harmless.
    UNLOCK: "/v3lockpb.Lock/Unlock" => Some("/v3/lock/unlock"),
        Safe unlock(key: Vec<u8>) -> UnlockResponse = LockClient(UnlockRequest { key });
    // Waits until `lease` leads the election `name` with `value`.
    CAMPAIGN: "/v3electionpb.Election/Campaign" => Some("/v3/election/campaign"),
        Waiting campaign(name: Vec<u8>, lease: i64, value: Vec<u8>) -> CampaignResponse
            = ElectionClient(CampaignRequest { name, lease, value });
    OBSERVE: "/v3electionpb.Election/Observe" => Some("/v3/election/observe");
    // Resigning deletes the leader key only if it is still ours.
    RESIGN: "/v3electionpb.Election/Resign" => Some("/v3/election/resign"),
        Safe resign(leader: LeaderKey) -> ResignResponse
            = ElectionClient(ResignRequest { leader: Some(leader) });
    // etcd 3.5 and later; older members answer `Unimplemented`.
    AUTH_STATUS: "/etcdserverpb.Auth/AuthStatus" => Some("/v3/auth/status"),
        Safe auth_status(request: AuthStatusRequest) -> AuthStatusResponse = AuthClient(request);
    DOWNGRADE: "/etcdserverpb.Maintenance/Downgrade" => Some("/v3/maintenance/downgrade"),
        Unsafe downgrade(request: DowngradeRequest) -> DowngradeResponse
            = MaintenanceClient(request);
    HASH_KV: "/etcdserverpb.Maintenance/HashKV" => None,
        Safe hash_kv(revision: i64) -> HashKvResponse = MaintenanceClient(HashKvRequest { revision });
}
