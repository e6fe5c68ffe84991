#!/bin/sh
# the floating IP's address or id
terraform import stratus_floating_ip_association.example <floating_ip_id>
