# A user with a password and a default project (admins).

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
  name = "${var.prefix}-project"
}

resource "stratus_user" "example" {
  name               = "${var.prefix}-user"
  password           = "example-password-${var.step}"
  default_project_id = stratus_project.project.id
}
