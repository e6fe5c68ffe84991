# A private flavor with extra specs, usable by one project (admins).

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

resource "stratus_flavor" "example" {
  name      = "${var.prefix}.small"
  ram       = 256
  vcpus     = 1
  disk      = 1
  is_public = false
  extra_specs = {
    "hw:cpu_policy" = "shared"
    "example:step"  = "${var.step}"
  }
  access_project_ids = [stratus_project.project.id]
}
