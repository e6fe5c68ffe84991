# A project's limits in compute, network and volume (admins); destroying it
# restores the defaults.

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

resource "stratus_quota" "example" {
  project_id = stratus_project.project.id
  instances  = 5
  cores      = 8 * var.step
  ram        = 8192
  networks   = 3
  ports      = 20
  volumes    = 4
  gigabytes  = 40
}
