"""Online learning on the platform (第七条, 第十条(一), 第十五条): courses, courseware, watch time, assessments."""
