#!/bin/sh
terraform import stratus_subnet.example <subnet_id>
