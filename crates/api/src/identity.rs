//! The Keystone v3 subset served by `stratus-identity`: tokens, the
//! catalog, domains, projects, users, groups, roles and their assignments,
//! regions, services, endpoints and application credentials.

use crate::serde_helpers::nullable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A resource's own link.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SelfLink {
    #[serde(rename = "self")]
    pub self_link: String,
}

/// A list's links (Keystone does not page: `previous` and `next` are null).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ListLinks {
    #[serde(rename = "self")]
    pub self_link: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// `?name=&domain_id=&enabled=` as Keystone's lists take them.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    pub name: Option<String>,
    pub domain_id: Option<String>,
    /// `true` or `false`.
    pub enabled: Option<String>,
}

// ------------------------------------------------------------------ tokens

/// A domain named by id or by name.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct DomainIdentifier {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A user and password (`password` method).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UserIdentifier {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// With `name`.
    #[serde(default)]
    pub domain: Option<DomainIdentifier>,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PasswordMethod {
    pub user: UserIdentifier,
}

/// Another token (`token` method: rescoping).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenMethod {
    pub id: String,
}

/// The user of an application credential named by name.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct AppCredUser {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub domain: Option<DomainIdentifier>,
}

/// An application credential and its secret (`application_credential`
/// method).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AppCredMethod {
    #[serde(default)]
    pub id: Option<String>,
    /// With `user`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub user: Option<AppCredUser>,
    pub secret: String,
}

/// Who is authenticating, and how.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Identity {
    /// `password`, `token` or `application_credential`.
    pub methods: Vec<String>,
    #[serde(default)]
    pub password: Option<PasswordMethod>,
    #[serde(default)]
    pub token: Option<TokenMethod>,
    #[serde(default)]
    pub application_credential: Option<AppCredMethod>,
}

/// Keystone's auth request.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    pub identity: Identity,
    /// `"unscoped"`, `{"project": {"id"} or {"name", "domain"}}`,
    /// `{"domain": {"id"} or {"name"}}`, or `{"system": {"all": true}}`.
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthRequest {
    pub auth: Auth,
}

/// The query of token issue and validation.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Leave the catalog out.
    pub nocatalog: Option<String>,
}

/// A name with its id.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

/// The token's user.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenUser {
    pub id: String,
    pub name: String,
    pub domain: NamedRef,
    pub password_expires_at: Option<String>,
}

/// The project a token is scoped to.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenProject {
    pub id: String,
    pub name: String,
    pub domain: NamedRef,
}

/// The application credential a token was issued with.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenAppCred {
    pub id: String,
    pub name: String,
    pub restricted: bool,
}

/// One endpoint of a service in the catalog.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CatalogEndpoint {
    pub id: String,
    /// `public`, `internal` or `admin`.
    pub interface: String,
    pub region_id: Option<String>,
    pub region: Option<String>,
    pub url: String,
}

/// The catalog types Cinder's v3 API is listed under, most preferred first
/// (clients find the volume service by any of them).
pub const VOLUME_SERVICE_TYPES: &[&str] = &["volumev3", "block-storage", "volume"];

/// A service in the catalog with its endpoints.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CatalogEntry {
    pub id: String,
    #[serde(rename = "type")]
    pub service_type: String,
    pub name: String,
    pub endpoints: Vec<CatalogEndpoint>,
}

/// A token as Keystone describes it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Token {
    pub methods: Vec<String>,
    pub user: TokenUser,
    pub audit_ids: Vec<String>,
    pub issued_at: String,
    pub expires_at: String,
    /// Project-scoped tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<TokenProject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_domain: Option<bool>,
    /// Whether the project is the cloud's admin project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin_project: Option<bool>,
    /// Domain-scoped tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<NamedRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_credential: Option<TokenAppCred>,
    /// Scoped tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<NamedRef>>,
    /// Scoped tokens, unless `nocatalog`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<Vec<CatalogEntry>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenBody {
    pub token: Token,
}

/// The caller's catalog.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CatalogBody {
    pub catalog: Vec<CatalogEntry>,
    pub links: BTreeMap<String, Option<String>>,
}

/// A public key tokens are signed with (RFC 7517, Ed25519 `OKP`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub key_use: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// A revocation: tokens it matches and issued before it are refused
/// (`stratus_auth` checks tokens against these; the bus carries them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevocationEvent {
    /// A token and every token rescoped from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<String>,
    /// Every token of a user (disabled, deleted, password changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Every token scoped to a project (disabled, deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Every token scoped to a domain or to a project of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<String>,
    /// Every token issued with an application credential (deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_credential_id: Option<String>,
    /// Every token carrying a role (the role was deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    /// Tokens issued at or before this, in milliseconds since the Unix epoch.
    pub issued_before_ms: i64,
    /// After this (seconds since the epoch) no token it matches can be alive.
    pub expires_at: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RevocationEventList {
    pub events: Vec<RevocationEvent>,
}

// ----------------------------------------------------------------- domains

/// A domain.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Domain {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub tags: Vec<String>,
    pub options: BTreeMap<String, serde_json::Value>,
    pub links: SelfLink,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DomainBody {
    pub domain: Domain,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DomainList {
    pub domains: Vec<Domain>,
    pub links: ListLinks,
}

/// What a domain is created or updated with (`name` is required to create).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct DomainFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DomainRequest {
    pub domain: DomainFields,
}

// ---------------------------------------------------------------- projects

/// A project.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub description: String,
    pub enabled: bool,
    /// The parent project, or the domain for a top-level one.
    pub parent_id: String,
    pub is_domain: bool,
    pub tags: Vec<String>,
    pub options: BTreeMap<String, serde_json::Value>,
    pub links: SelfLink,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectBody {
    pub project: Project,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectList {
    pub projects: Vec<Project>,
    pub links: ListLinks,
}

/// What a project is created or updated with (`name` is required to create).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ProjectFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Only `false`: projects acting as domains are not supported.
    #[serde(default)]
    pub is_domain: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectRequest {
    pub project: ProjectFields,
}

// ------------------------------------------------------------------- users

/// A user.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub enabled: bool,
    pub password_expires_at: Option<String>,
    pub options: BTreeMap<String, serde_json::Value>,
    pub links: SelfLink,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_project_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UserBody {
    pub user: User,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    pub users: Vec<User>,
    pub links: ListLinks,
}

/// What a user is created or updated with (`name` is required to create).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct UserFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_project_id: Option<Option<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UserRequest {
    pub user: UserFields,
}

/// A user changes its own password.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub password: String,
    pub original_password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    pub user: PasswordChange,
}

// ------------------------------------------------------------------ groups

/// A group of users.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub description: String,
    pub links: SelfLink,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct GroupBody {
    pub group: Group,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct GroupList {
    pub groups: Vec<Group>,
    pub links: ListLinks,
}

/// What a group is created or updated with (`name` is required to create).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct GroupFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct GroupRequest {
    pub group: GroupFields,
}

// ------------------------------------------------------------------- roles

/// A role.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub description: String,
    pub domain_id: Option<String>,
    /// `{"immutable": true}` for the built-in roles.
    pub options: BTreeMap<String, serde_json::Value>,
    pub links: SelfLink,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleBody {
    pub role: Role,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleList {
    pub roles: Vec<Role>,
    pub links: ListLinks,
}

/// What a role is created or updated with (`name` is required to create).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct RoleFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleRequest {
    pub role: RoleFields,
}

/// The domain of something in a role assignment (with names).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AssignmentDomain {
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Something in a role assignment: an id, with names when asked for.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AssignmentRef {
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<AssignmentDomain>,
}

/// A role given to a user or group on a project or domain.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleAssignment {
    pub role: AssignmentRef,
    /// `{"project": ...}` or `{"domain": ...}`.
    pub scope: BTreeMap<String, AssignmentRef>,
    pub links: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<AssignmentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<AssignmentRef>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RoleAssignmentList {
    pub role_assignments: Vec<RoleAssignment>,
    pub links: ListLinks,
}

// ------------------------------------------------------------- the catalog

/// A region.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Region {
    pub id: String,
    pub description: String,
    pub parent_region_id: Option<String>,
    pub links: SelfLink,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RegionBody {
    pub region: Region,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RegionList {
    pub regions: Vec<Region>,
    pub links: ListLinks,
}

/// What a region is created or updated with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct RegionFields {
    /// Made when absent (creates by POST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_region_id: Option<Option<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RegionRequest {
    pub region: RegionFields,
}

/// A service of the catalog.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Service {
    pub id: String,
    #[serde(rename = "type")]
    pub service_type: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub links: SelfLink,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceBody {
    pub service: Service,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceList {
    pub services: Vec<Service>,
    pub links: ListLinks,
}

/// What a service is created or updated with (`type` is required to create).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ServiceFields {
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceRequest {
    pub service: ServiceFields,
}

/// An endpoint of a service.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Endpoint {
    pub id: String,
    pub service_id: String,
    /// `public`, `internal` or `admin`.
    pub interface: String,
    pub url: String,
    pub region_id: Option<String>,
    pub region: Option<String>,
    pub enabled: bool,
    pub links: SelfLink,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EndpointBody {
    pub endpoint: Endpoint,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EndpointList {
    pub endpoints: Vec<Endpoint>,
    pub links: ListLinks,
}

/// What an endpoint is created or updated with.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct EndpointFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_id: Option<Option<String>>,
    /// The v2-era name of `region_id`, which clients still send.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EndpointRequest {
    pub endpoint: EndpointFields,
}

// ------------------------------------------------ application credentials

/// A role named by id or by name.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct RoleIdentifier {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// A role of an application credential.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CredRole {
    pub id: String,
    pub name: String,
    pub domain_id: Option<String>,
}

/// An access rule of an application credential: one API call it may make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub path: String,
    pub method: String,
    pub service: String,
}

/// An application credential (its secret only when created).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationCredential {
    pub id: String,
    pub name: String,
    pub description: String,
    pub user_id: String,
    pub project_id: String,
    pub unrestricted: bool,
    /// Limits on what the credential may call (none are set by Stratus).
    pub access_rules: Vec<AccessRule>,
    pub expires_at: Option<String>,
    pub roles: Vec<CredRole>,
    pub links: SelfLink,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationCredentialBody {
    pub application_credential: ApplicationCredential,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationCredentialList {
    pub application_credentials: Vec<ApplicationCredential>,
    pub links: ListLinks,
}

/// A new application credential.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationCredentialFields {
    pub name: String,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Made when absent.
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// RFC 3339; never when absent.
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// A subset of the token's roles; all of them when absent.
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<RoleIdentifier>>,
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unrestricted: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ApplicationCredentialRequest {
    pub application_credential: ApplicationCredentialFields,
}
