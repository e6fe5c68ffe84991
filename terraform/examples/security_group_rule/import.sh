#!/bin/sh
terraform import stratus_security_group_rule.example <rule_id>
