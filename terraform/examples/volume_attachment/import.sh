#!/bin/sh
terraform import stratus_volume_attachment.example <instance_id>/<volume_id>
