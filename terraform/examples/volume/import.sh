#!/bin/sh
terraform import stratus_volume.example <volume_id>
