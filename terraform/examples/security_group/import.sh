#!/bin/sh
terraform import stratus_security_group.example <security_group_id>
