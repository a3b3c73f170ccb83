//! The Auth service facade (everything but `Authenticate`, which the core sends itself): auth
//! switches, users and roles. Reads may go to any member; changes are never resent once they
//! reached one, except the two switches, which are idempotent.

use super::{Client, Error, Grpc, Retry, rpc};
use crate::pb::etcdserverpb::auth_client::AuthClient;
use crate::pb::etcdserverpb::{
    AuthDisableRequest, AuthDisableResponse, AuthEnableRequest, AuthEnableResponse,
    AuthRoleAddRequest, AuthRoleAddResponse, AuthRoleDeleteRequest, AuthRoleDeleteResponse,
    AuthRoleGetRequest, AuthRoleGetResponse, AuthRoleGrantPermissionRequest,
    AuthRoleGrantPermissionResponse, AuthRoleListRequest, AuthRoleListResponse,
    AuthRoleRevokePermissionRequest, AuthRoleRevokePermissionResponse, AuthStatusRequest,
    AuthStatusResponse, AuthUserAddRequest, AuthUserAddResponse, AuthUserChangePasswordRequest,
    AuthUserChangePasswordResponse, AuthUserDeleteRequest, AuthUserDeleteResponse,
    AuthUserGetRequest, AuthUserGetResponse, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse,
    AuthUserListRequest, AuthUserListResponse, AuthUserRevokeRoleRequest,
    AuthUserRevokeRoleResponse,
};

fn auth(grpc: Grpc) -> AuthClient<tonic::transport::Channel> {
    AuthClient::new(grpc.channel)
        .max_encoding_message_size(grpc.max_request_bytes)
        .max_decoding_message_size(grpc.max_recv_bytes)
}

/// One facade method per unary Auth RPC: name, its row in [`rpc`], retry rule, request, response.
macro_rules! auth_rpcs {
    ($($(#[$doc:meta])* $name:ident($rpc:ident, $retry:ident, $req:ty) -> $resp:ty;)*) => {
        impl Client {
            $(
                $(#[$doc])*
                pub async fn $name(&self, request: $req) -> Result<$resp, Error> {
                    self.unary(
                        rpc::$rpc,
                        Retry::$retry,
                        request,
                        |g, r| async move { auth(g).$name(r).await },
                    )
                    .await
                }
            )*
        }
    };
}

auth_rpcs! {
    /// Enabling twice is harmless, so it may be resent.
    auth_enable(AUTH_ENABLE, Safe, AuthEnableRequest) -> AuthEnableResponse;
    auth_disable(AUTH_DISABLE, Safe, AuthDisableRequest) -> AuthDisableResponse;
    /// etcd 3.5 and later; older members answer `Unimplemented`.
    auth_status(AUTH_STATUS, Safe, AuthStatusRequest) -> AuthStatusResponse;
    user_add(USER_ADD, Unsafe, AuthUserAddRequest) -> AuthUserAddResponse;
    user_get(USER_GET, Safe, AuthUserGetRequest) -> AuthUserGetResponse;
    user_list(USER_LIST, Safe, AuthUserListRequest) -> AuthUserListResponse;
    user_delete(USER_DELETE, Unsafe, AuthUserDeleteRequest) -> AuthUserDeleteResponse;
    user_change_password(USER_CHANGE_PASSWORD, Unsafe, AuthUserChangePasswordRequest)
        -> AuthUserChangePasswordResponse;
    user_grant_role(USER_GRANT_ROLE, Unsafe, AuthUserGrantRoleRequest)
        -> AuthUserGrantRoleResponse;
    user_revoke_role(USER_REVOKE_ROLE, Unsafe, AuthUserRevokeRoleRequest)
        -> AuthUserRevokeRoleResponse;
    role_add(ROLE_ADD, Unsafe, AuthRoleAddRequest) -> AuthRoleAddResponse;
    role_get(ROLE_GET, Safe, AuthRoleGetRequest) -> AuthRoleGetResponse;
    role_list(ROLE_LIST, Safe, AuthRoleListRequest) -> AuthRoleListResponse;
    role_delete(ROLE_DELETE, Unsafe, AuthRoleDeleteRequest) -> AuthRoleDeleteResponse;
    role_grant_permission(ROLE_GRANT_PERMISSION, Unsafe, AuthRoleGrantPermissionRequest)
        -> AuthRoleGrantPermissionResponse;
    role_revoke_permission(ROLE_REVOKE_PERMISSION, Unsafe, AuthRoleRevokePermissionRequest)
        -> AuthRoleRevokePermissionResponse;
}
