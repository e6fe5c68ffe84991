#!/bin/sh
terraform import stratus_floating_ip.example <floating_ip_id>
