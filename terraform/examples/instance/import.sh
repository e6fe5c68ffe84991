#!/bin/sh
terraform import stratus_instance.example <instance_id>
