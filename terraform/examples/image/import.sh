#!/bin/sh
terraform import stratus_image.example <image_id>
