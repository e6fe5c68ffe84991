//! `terraform-provider-stratus`: started by Terraform, serves the provider.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Built with the workspace, rustls has two crypto providers and would
    // panic choosing; ring is tf-provider's own.
    let _ = rustls::crypto::ring::default_provider().install_default();
    tf_provider::serve(
        "stratus",
        terraform_provider_stratus::provider::Stratus::default(),
    )
    .await
}
