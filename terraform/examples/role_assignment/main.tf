# The member role for a user on a project (admins).

terraform {
  required_providers {
    stratus = { source = "stratus/stratus" }
  }
}

# Configured by OS_CLOUD / OS_CLIENT_CONFIG_FILE (or the OS_* variables).
provider "stratus" {}

variable "prefix" {
  type    = string
  default = "example"
}

variable "step" {
  type        = number
  default     = 1
  description = "Change it to see an update in place."
}

resource "stratus_project" "project" {
  name        = "${var.prefix}-project"
  description = "step ${var.step}"
}

resource "stratus_user" "user" {
  name     = "${var.prefix}-user"
  password = "example-password"
}

resource "stratus_role_assignment" "example" {
  project_id = stratus_project.project.id
  user_id    = stratus_user.user.id
  role_name  = "member"
}
