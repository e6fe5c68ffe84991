//! `terraform-provider-stratus`: started by Terraform, serves the provider.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tf_provider::serve(
        "stratus",
        terraform_provider_stratus::provider::Stratus::default(),
    )
    .await
}
