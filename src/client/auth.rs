//! The Auth service facade (everything but `Authenticate`, which the core sends itself): auth
//! switches, users and roles. Reads may go to any member; changes are never resent once they
//! reached one, except the two switches, which are idempotent.

use super::{Client, Error, Grpc, Retry};
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

/// One facade method per unary Auth RPC: name, gRPC path, retry rule, request, response.
macro_rules! auth_rpcs {
    ($($(#[$doc:meta])* $name:ident($path:literal, $retry:ident, $req:ty) -> $resp:ty;)*) => {
        impl Client {
            $(
                $(#[$doc])*
                pub async fn $name(&self, request: $req) -> Result<$resp, Error> {
                    self.unary(
                        concat!("/etcdserverpb.Auth/", $path),
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
    auth_enable("AuthEnable", Safe, AuthEnableRequest) -> AuthEnableResponse;
    auth_disable("AuthDisable", Safe, AuthDisableRequest) -> AuthDisableResponse;
    /// etcd 3.5 and later; older members answer `Unimplemented`.
    auth_status("AuthStatus", Safe, AuthStatusRequest) -> AuthStatusResponse;
    user_add("UserAdd", Unsafe, AuthUserAddRequest) -> AuthUserAddResponse;
    user_get("UserGet", Safe, AuthUserGetRequest) -> AuthUserGetResponse;
    user_list("UserList", Safe, AuthUserListRequest) -> AuthUserListResponse;
    user_delete("UserDelete", Unsafe, AuthUserDeleteRequest) -> AuthUserDeleteResponse;
    user_change_password("UserChangePassword", Unsafe, AuthUserChangePasswordRequest)
        -> AuthUserChangePasswordResponse;
    user_grant_role("UserGrantRole", Unsafe, AuthUserGrantRoleRequest)
        -> AuthUserGrantRoleResponse;
    user_revoke_role("UserRevokeRole", Unsafe, AuthUserRevokeRoleRequest)
        -> AuthUserRevokeRoleResponse;
    role_add("RoleAdd", Unsafe, AuthRoleAddRequest) -> AuthRoleAddResponse;
    role_get("RoleGet", Safe, AuthRoleGetRequest) -> AuthRoleGetResponse;
    role_list("RoleList", Safe, AuthRoleListRequest) -> AuthRoleListResponse;
    role_delete("RoleDelete", Unsafe, AuthRoleDeleteRequest) -> AuthRoleDeleteResponse;
    role_grant_permission("RoleGrantPermission", Unsafe, AuthRoleGrantPermissionRequest)
        -> AuthRoleGrantPermissionResponse;
    role_revoke_permission("RoleRevokePermission", Unsafe, AuthRoleRevokePermissionRequest)
        -> AuthRoleRevokePermissionResponse;
}
